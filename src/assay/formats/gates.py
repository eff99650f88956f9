"""The JSON document of a gates judgement."""

from __future__ import annotations

import json

from assay.core.gates import GatesOutcome

__all__ = ["gates_document"]


def gates_document(outcome: GatesOutcome) -> str:
    """The gate results as JSON, in the same shape as the run report's gates."""
    from assay.formats.report import gate_dict

    body = {
        "run": outcome.run_id,
        "verdict": outcome.verdict.value,
        "policy": {
            "digest": outcome.policy_digest,
            "disabled": [{"gate": g, "reason": why} for g, why in outcome.disabled],
        },
        "gates": [gate_dict(g) for g in outcome.gates],
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"
