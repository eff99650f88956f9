"""Certify step: committed credentials in the tree (PROD-003's second half)."""

from __future__ import annotations

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.services.secrets_check import MEDIA_TYPE, check_secrets, to_json
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "SecretsStep"]


class SecretsStep(Step):
    name = "secrets"
    title = "Committed secrets"
    order = 25

    def run(self, context: StepContext) -> StepOutcome:
        result = check_secrets(context.project, context.settings)
        summary = {
            "findings": len(result.findings),
            "test_fixtures": len(result.test_fixtures),
            "fail_on_test_fixtures": result.fail_on_test_fixtures,
            "allowed": len(result.allowed),
        }
        notes = [f"{f.rule} at {f.path}:{f.line} ({f.redacted})" for f in result.findings]
        if result.test_fixtures:
            counted = "they fail" if result.fail_on_test_fixtures else "they do not fail"
            notes.append(
                f"{len(result.test_fixtures)} finding(s) in test fixtures, reported apart "
                f"({counted} PROD-003: [secrets] fail_on_test_fixtures = "
                f"{str(result.fail_on_test_fixtures).lower()})"
            )
            notes += [
                f"test fixture: {f.rule} at {f.path}:{f.line} ({f.redacted})"
                for f in result.test_fixtures[:20]
            ]
        notes += [f"allowance {a.subject} expired on {a.expires}" for a in result.expired]
        return StepOutcome(
            evidence=(
                EvidenceItem(EvidenceKind.SECRETS, MEDIA_TYPE, to_json(result).encode(), summary),
            ),
            notes=tuple(notes),
        )


STEP = SecretsStep()
