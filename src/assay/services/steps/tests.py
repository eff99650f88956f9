"""Certify step: test, coverage and benchmark results, measured not claimed.

Load-test results found here are judged by the load step; integration tests by the
integration step.

With ``[tests] command`` in assay.toml the step runs it and reads what it wrote;
without one it reads the result files it finds in the tree, and says which.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

from assay.collectors import results as readers
from assay.collectors._files import relative_path
from assay.collectors.test_command import run_test_command
from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.core.results import Outcome, TestReport
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "TestResultsStep", "results_evidence"]

MEDIA_TYPE = "application/vnd.assay.results+json"


class TestResultsStep(Step):
    __test__ = False

    name = "tests"
    title = "Test, coverage and benchmark results"
    order = 30

    def run(self, context: StepContext) -> StepOutcome:
        notes: list[str] = []
        settings = context.settings.tests
        began = time.time()
        if settings.command:
            notes.append(run_test_command(settings.command, context.project, settings.timeout))
        files = readers.discover(context.project)
        if settings.results:
            files = readers.classify([context.project / r for r in settings.results], listed=True)
        if settings.command:
            # Of a kind the command writes, only what this run wrote counts: older files
            # would be evidence of another run. Kinds it does not write (load-test results
            # from a separate run, say) are read as found, and the notes name each file.
            fresh = {k: [p for p in v if p.stat().st_mtime >= began - 1] for k, v in files.items()}
            files = {k: fresh[k] if fresh[k] else v for k, v in files.items()}
        inputs: list[str] = []
        junit = [readers.read_junit(p) for p in files["junit"]]
        coverage = [readers.read_coverage(p) for p in files["coverage"]]
        benchmarks = [b for p in files["benchmarks"] for b in readers.read_benchmarks(p)]
        context.shared["benchmarks"] = benchmarks
        evidence = results_evidence(junit, coverage, benchmarks)
        context.shared["result_files"] = files
        context.shared["junit"] = junit
        for kind, paths in sorted(files.items()):
            if kind not in ("junit", "coverage", "benchmarks"):
                continue  # load-test results: the load step reads and notes them
            for path in paths:
                notes.append(f"read {kind} results from {relative_path(path, context.project)}")
                inputs.append(f"{kind}:{relative_path(path, context.project)}")
        if not evidence:
            return StepOutcome(
                notes=tuple(notes),
                skipped="no test results: set [tests] command in assay.toml, or keep JUnit "
                "XML / coverage reports in the project",
            )
        return StepOutcome(evidence=tuple(evidence), inputs=tuple(inputs), notes=tuple(notes))


def results_evidence(
    junit: list[TestReport], coverage: list[Any], benchmarks: list[Any]
) -> list[EvidenceItem]:
    """Evidence of test, coverage and benchmark results (each kind only when present)."""
    evidence: list[EvidenceItem] = []
    if junit:
        evidence.append(_tests_evidence(junit))
    if coverage:
        evidence.append(_document(EvidenceKind.COVERAGE, coverage, _coverage_summary(coverage)))
    if benchmarks:
        # The first 20 means (seconds), for charts over runs.
        means = {b.name: b.mean for b in sorted(benchmarks, key=_name)[:20]}
        summary = {"benchmarks": len(benchmarks), "means": means}
        evidence.append(_document(EvidenceKind.BENCHMARKS, benchmarks, summary))
    return evidence


def _tests_evidence(reports: list[TestReport]) -> EvidenceItem:
    summary = {
        "tests": sum(r.total for r in reports),
        **{outcome.value: sum(r.count(outcome) for r in reports) for outcome in Outcome},
        "seconds": round(sum(r.seconds for r in reports), 3),
    }
    return _document(EvidenceKind.TESTS, reports, summary)


def _coverage_summary(reports: list[Any]) -> dict[str, Any]:
    lines_valid = sum(r.lines_valid for r in reports)
    lines_covered = sum(r.lines_covered for r in reports)
    branches_valid = sum(r.branches_valid for r in reports)
    branches_covered = sum(r.branches_covered for r in reports)
    summary: dict[str, Any] = {"lines_valid": lines_valid, "lines_covered": lines_covered}
    if lines_valid:
        summary["line_rate"] = round(lines_covered / lines_valid, 4)
    if branches_valid:
        summary["branch_rate"] = round(branches_covered / branches_valid, 4)
    return summary


def _name(benchmark: Any) -> str:
    return str(benchmark.name)


def _document(kind: EvidenceKind, items: list[Any], summary: dict[str, Any]) -> EvidenceItem:
    body = {"kind": kind.value, "items": [asdict(item) for item in items], "summary": summary}
    text = json.dumps(body, indent=2, sort_keys=True, default=str) + "\n"
    return EvidenceItem(kind, MEDIA_TYPE, text.encode("utf-8"), summary)


STEP = TestResultsStep()
