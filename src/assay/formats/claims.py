"""The JSON document of a claims check: every claim with its verdict and evidence."""

from __future__ import annotations

import json
from dataclasses import asdict

from assay.core.claims.model import ClaimsCheck

__all__ = ["claims_document"]


def claims_document(check: ClaimsCheck) -> str:
    body = {
        "reports": list(check.reports),
        "evidence_source": check.evidence_source,
        "summary": check.summary(),
        "claims": [
            {
                **{k: v for k, v in asdict(r.claim).items() if k != "decimals"},
                "kind": r.claim.kind.value,
                "verdict": r.verdict.value,
                "measured": r.measured,
                "explanation": r.explanation,
                "evidence": r.evidence,
            }
            for r in check.results
        ],
    }
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
