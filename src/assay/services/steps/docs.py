"""Certify step: documentation facts for PROD-007 (README, docs, changelog, API docs)."""

from __future__ import annotations

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.services.checks import DOCS_MEDIA_TYPE, check_docs, docs_document
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "DocsStep"]


class DocsStep(Step):
    name = "documentation"
    title = "Documentation"
    order = 50

    def run(self, context: StepContext) -> StepOutcome:
        report = check_docs(context.project)
        coverage = report.docstring_coverage
        summary: dict[str, object] = {
            "readme_words": report.readme_words,
            "docs_files": report.docs_files,
            "changelog": bool(report.changelog),
            "docstring_coverage": round(coverage, 4) if coverage is not None else None,
            "serves_http": report.serves_http,
            "openapi_valid": (not report.openapi_errors) if report.openapi else None,
        }
        notes = [
            f"README: {report.readme or 'missing'} ({report.readme_words} words)",
            f"docstrings: {report.documented} of {report.public_objects} public objects",
        ]
        if report.serves_http and not report.openapi:
            notes.append(
                f"serves HTTP ({', '.join(report.http_frameworks)}) but keeps no OpenAPI document"
            )
        notes += [f"OpenAPI {report.openapi}: {error}" for error in report.openapi_errors]
        return StepOutcome(
            evidence=(
                EvidenceItem(
                    EvidenceKind.DOCUMENTATION,
                    DOCS_MEDIA_TYPE,
                    docs_document(report).encode(),
                    summary,
                ),
            ),
            notes=tuple(notes),
        )


STEP = DocsStep()
