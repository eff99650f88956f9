"""Certify step: the claims of completion reports, checked against this run's evidence."""

from __future__ import annotations

from assay.collectors._files import relative_path
from assay.core.claims import Verdict
from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.services.claims import (
    MEDIA_TYPE,
    check_claims,
    claims_document,
    find_reports,
    measurements_for,
)
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "ClaimsStep"]


class ClaimsStep(Step):
    name = "claims"
    title = "Claims of completion reports"
    order = 80

    def run(self, context: StepContext) -> StepOutcome:
        reports = find_reports(context.project, context.settings)
        measurements = measurements_for(
            context.project,
            context.ctx,
            summaries=context.shared.get("summaries", {}),
            source="this run",
        )
        check = check_claims(reports, measurements, context.project)
        how = "declared" if context.settings.claims.reports else "found"
        notes = [f"report {how}: {name}" for name in check.reports]
        if not reports:
            notes.append("no completion report declared ([claims] reports) or found")
        notes += [
            f"contradicted, {r.claim.text[:80]!r} (line {r.claim.line}): {r.explanation}"
            for r in check.results
            if r.verdict is Verdict.CONTRADICTED
        ]
        item = EvidenceItem(
            EvidenceKind.CLAIMS, MEDIA_TYPE, claims_document(check).encode(), check.summary()
        )
        inputs = tuple(f"report:{relative_path(p, context.project)}" for p in reports)
        return StepOutcome(evidence=(item,), inputs=inputs, notes=tuple(notes))


STEP = ClaimsStep()
