"""Certify step: load-test results judged against ``[slo]`` (PROD-006)."""

from __future__ import annotations

from pathlib import Path

from assay.collectors import results as readers
from assay.collectors._files import relative_path
from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.core.slo import judge_slo
from assay.services.slo import MEDIA_TYPE, SloCheck, load_results, slo_document, targets_of
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "LoadStep"]


class LoadStep(Step):
    name = "load"
    title = "Load tests against the service-level objectives"
    order = 32

    def run(self, context: StepContext) -> StepOutcome:
        files: dict[str, list[Path]] = context.shared.get("result_files") or readers.discover(
            context.project
        )
        summaries = load_results(files, context.project)
        if not summaries:
            return StepOutcome(
                skipped="no load-test results (locust *_stats.csv, k6 summary JSON, wrk output)"
            )
        targets = targets_of(context.settings)
        check = SloCheck(summaries, targets, judge_slo(summaries, targets))
        notes = [f"read {s.tool} results from {s.source}" for s in summaries]
        if not targets.declared:
            notes.append("no [slo] objectives in assay.toml: the results are stored unjudged")
        for result in check.objectives:
            measured = "not measured" if result.measured is None else f"{result.measured:g}"
            notes.append(
                f"{result.objective}: {measured} against {result.target:g} ({result.status})"
            )
        inputs = tuple(
            f"{kind}:{relative_path(p, context.project)}"
            for kind in ("locust", "k6", "wrk")
            for p in files.get(kind, [])
        )
        item = EvidenceItem(
            EvidenceKind.LOAD_TESTS, MEDIA_TYPE, slo_document(check).encode(), check.summary()
        )
        return StepOutcome(evidence=(item,), inputs=inputs, notes=tuple(notes))


STEP = LoadStep()
