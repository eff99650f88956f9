"""Certify step: provenance of the built artifacts verifies (PROD-005)."""

from __future__ import annotations

import json

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.services.provenance import check_project_provenance
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "ProvenanceStep"]

MEDIA_TYPE = "application/vnd.assay.provenance-check+json"


class ProvenanceStep(Step):
    name = "provenance"
    title = "Provenance of built artifacts"
    order = 60

    def run(self, context: StepContext) -> StepOutcome:
        check = check_project_provenance(context.settings, context.project)
        if not check.documents:
            return StepOutcome(
                skipped="no provenance in the project: sign built artifacts with "
                "`assay provenance dist/*`"
            )
        verified: list[dict[str, object]] = [
            {
                "key_id": v.key_id,
                "statement_sha256": v.statement_sha256,
                "subjects": [
                    {"name": s.get("name"), "sha256": s.get("digest", {}).get("sha256")}
                    for s in v.statement.get("subject", [])
                ],
            }
            for v in check.verified
        ]
        body = {
            "documents": list(check.documents),
            "verified": verified,
            "failures": list(check.failures),
        }
        summary = {
            "documents": len(check.documents),
            "verified": len(check.verified),
            "failed": len(check.failures),
        }
        notes = [f"provenance does not verify: {failure}" for failure in check.failures]
        for v in check.verified:
            names = ", ".join(str(s.get("name")) for s in v.statement.get("subject", []))
            notes.append(f"verified provenance of {names}")
        data = (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()
        return StepOutcome(
            evidence=(EvidenceItem(EvidenceKind.PROVENANCE, MEDIA_TYPE, data, summary),),
            notes=tuple(notes),
        )


STEP = ProvenanceStep()
