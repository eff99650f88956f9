"""Certify step: Power-of-Ten compliance and theater findings of the project's source."""

from __future__ import annotations

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.services.quality import analyse_tree
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "QualityStep"]


class QualityStep(Step):
    name = "quality"
    title = "Static analysis and test theater"
    order = 40

    def run(self, context: StepContext) -> StepOutcome:
        from assay.formats import quality as quality_format

        report = analyse_tree(
            context.project, cache_file=context.settings.cache_dir / "quality.json"
        )
        summary = {
            "files": report.files,
            "functions": report.functions,
            "compliance": report.overall,
            "unmeasured": report.unmeasured,
            "violations": len(report.violations),
            "theater": len(report.theater),
            "smoke_tests": len(report.smoke_tests),
            "unparsed": len(report.errors),
            "linter_findings": len(report.linters),
        }
        document = quality_format.to_json(report).encode("utf-8")
        shown = (
            f"unknown ({report.unmeasured})" if report.overall is None else f"{report.overall:.1%}"
        )
        notes = [
            f"{report.files} files, {report.functions} functions, Power-of-Ten compliance "
            f"{shown} ({report.cached} files unchanged since the last run)"
        ]
        notes += [f"could not parse {e['path']}: {e['error']}" for e in report.errors]
        notes += [f"read linter report {name}" for name in report.linter_reports]
        notes += [
            f"{t['rule']} {t['path']}:{t['line']} {t['message']}" for t in report.theater[:20]
        ]
        if report.smoke_tests:
            notes.append(
                f"{len(report.smoke_tests)} smoke test(s) (TH-T006, info: they pass unless "
                "the code raises; not counted as theater)"
            )
        return StepOutcome(
            evidence=(
                EvidenceItem(
                    EvidenceKind.STATIC_ANALYSIS, quality_format.MEDIA_TYPE, document, summary
                ),
                EvidenceItem(
                    EvidenceKind.THEATER,
                    quality_format.MEDIA_TYPE,
                    document,
                    {
                        "theater": len(report.theater),
                        "stubs": sum(t["rule"] == "TH-S001" for t in report.theater),
                        "test_theater": sum(t["rule"].startswith("TH-T") for t in report.theater),
                        # Reported, not counted: a smoke test fails when the code raises.
                        "smoke_tests": len(report.smoke_tests),
                    },
                ),
            ),
            inputs=(f"source-tree:{report.files}",),
            notes=tuple(notes),
        )


STEP = QualityStep()
