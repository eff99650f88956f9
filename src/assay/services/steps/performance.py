"""Certify step: this run's benchmarks against the baseline run, for PROD-002."""

from __future__ import annotations

from assay.collectors.pyproject import project_name
from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.core.perf import compare
from assay.services.performance import PerformanceCheck, performance_document, stored_baseline
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "PerformanceStep"]

MEDIA_TYPE = "application/vnd.assay.performance+json"


class PerformanceStep(Step):
    name = "performance"
    title = "Benchmarks against the baseline"
    order = 35

    def run(self, context: StepContext) -> StepOutcome:
        benchmarks = context.shared.get("benchmarks") or []
        if not benchmarks:
            return StepOutcome(skipped="no benchmark results in this run")
        baseline = stored_baseline(context.ctx, project_name(context.project))
        if baseline is None:
            return StepOutcome(
                skipped="no baseline run: mark one with `assay runs baseline RUN` "
                "(a run with benchmark results), or certify a ready run first"
            )
        check = PerformanceCheck(compare(benchmarks, baseline.benchmarks), baseline, ())
        result = check.comparison
        notes = [f"baseline: {baseline.source}"]
        notes += [
            f"{c.name}: {c.change:+.1%} (noise ±{c.noise:.1%}) regression"
            for c in result.regressions
        ]
        if result.only_in_baseline:
            notes.append(f"not run this time: {', '.join(result.only_in_baseline)}")
        if result.overhead is not None and result.regression is not None:
            notes.append(
                f"overall change {result.overhead:+.2%} over {len(result.changes)} "
                f"benchmark(s); beyond the noise {result.regression:+.2%}"
            )
        item = EvidenceItem(
            EvidenceKind.PERFORMANCE,
            MEDIA_TYPE,
            performance_document(check).encode(),
            check.summary(),
        )
        return StepOutcome(evidence=(item,), notes=tuple(notes))


STEP = PerformanceStep()
