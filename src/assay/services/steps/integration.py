"""Certify step: integration tests found by marker, folder or name, with results (PROD-005)."""

from __future__ import annotations

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.services.integration import MEDIA_TYPE, integration_document, integration_evidence
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "IntegrationStep"]


class IntegrationStep(Step):
    name = "integration"
    title = "Integration tests"
    order = 33

    def run(self, context: StepContext) -> StepOutcome:
        declared, summary = integration_evidence(context.project, context.shared.get("junit", []))
        if not declared and not summary.executed:
            return StepOutcome(
                skipped="no integration tests: none marked @pytest.mark.integration, kept in "
                "an integration/ folder, or named for integration"
            )
        notes = [
            f"{summary.declared} integration test(s) in the sources, {summary.executed} "
            f"case(s) in the results: {summary.passed} passed, {summary.failed} failed, "
            f"{summary.skipped} skipped"
        ]
        if summary.not_run:
            notes.append(f"not in the results: {', '.join(summary.not_run[:10])}")
        notes += [f"failed: {name}" for name in summary.failures[:10]]
        item = EvidenceItem(
            EvidenceKind.INTEGRATION,
            MEDIA_TYPE,
            integration_document(declared, summary).encode(),
            {
                "declared": summary.declared,
                "executed": summary.executed,
                "passed": summary.passed,
                "failed": summary.failed,
                "not_run": len(summary.not_run),
                "all_passed": summary.all_passed,
            },
        )
        return StepOutcome(evidence=(item,), notes=tuple(notes))


STEP = IntegrationStep()
