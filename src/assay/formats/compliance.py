"""The compliance status document (JSON): each control with its state, the evidence that
satisfies it (ids and digests), what is missing, or why it does not apply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assay.core.compliance import ComplianceStatus, ControlState

__all__ = ["SCHEMA", "status_document"]

SCHEMA = "https://assay.dev/schemas/compliance-status/v1"


def status_document(statuses: Sequence[ComplianceStatus]) -> dict[str, Any]:
    first = statuses[0] if statuses else None
    return {
        "schema": SCHEMA,
        "subject": (
            {
                "project": first.subject.project,
                "release": first.subject.release or None,
                "run": first.subject.run,
                "commit": first.subject.commit,
                "evidence_digest": first.subject.evidence_digest,
            }
            if first
            else None
        ),
        "assessed_at": first.assessed_at if first else None,
        "frameworks": [_framework(s) for s in statuses],
    }


def _framework(status: ComplianceStatus) -> dict[str, Any]:
    catalog = status.catalog
    return {
        "framework": catalog.framework,
        "title": catalog.title,
        "version": catalog.version,
        "source": catalog.source,
        "counts": {state.value: status.count(state) for state in ControlState},
        "required_failing": [c.control.id for c in status.failing],
        "controls": [
            {
                "id": c.control.id,
                "title": c.control.title,
                "group": c.control.group,
                "state": c.state.value,
                "required": c.required,
                "evidence": [
                    {"kind": p.name, "id": p.ident, "sha256": p.sha256}
                    for p in c.proofs
                    if p.what == "evidence"
                ],
                "gates": [p.name for p in c.proofs if p.what == "gate"],
                "records": {p.name: p.ident for p in c.proofs if p.what == "record"},
                "missing": list(c.missing),
                "justification": c.justification or None,
                "note": c.note or None,
            }
            for c in status.controls
        ],
    }
