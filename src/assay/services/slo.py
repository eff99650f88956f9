"""Load-test results against the service-level objectives of ``[slo]``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from assay.collectors import results as readers
from assay.collectors._files import relative_path
from assay.collectors.loadtests import LOAD_TEST_KINDS, read_load_test
from assay.core.slo import (
    LoadSummary,
    SloCheck,
    SloTargets,
    judge_slo,
)
from assay.errors import UsageError
from assay.formats.checks import slo_document
from assay.settings import Settings

__all__ = ["MEDIA_TYPE", "SloCheck", "check_slo", "load_results", "slo_document", "targets_of"]

MEDIA_TYPE = "application/vnd.assay.load-tests+json"


def targets_of(settings: Settings) -> SloTargets:
    slo = settings.slo
    return SloTargets(slo.p95_ms, slo.p99_ms, slo.min_throughput_rps, slo.max_error_rate)


def load_results(files: dict[str, list[Path]], project: Path) -> tuple[LoadSummary, ...]:
    """Every load-test result among classified result files, with paths relative to the
    project."""
    summaries = []
    for kind in LOAD_TEST_KINDS:
        for path in files.get(kind, []):
            summary = read_load_test(path, kind)
            summaries.append(_relative(summary, relative_path(path, project)))
    return tuple(summaries)


def check_slo(project: Path, settings: Settings, *, results: list[Path] | None = None) -> SloCheck:
    """Judge the project's load-test results (``results``, or those found in the tree)."""
    if not project.is_dir():
        raise UsageError(f"no such project folder: {project}", hint="pass the project's folder")
    files = readers.classify(results, listed=True) if results else readers.discover(project)
    if results:
        unknown = [str(p) for p in results if readers.kind_of_result(p, listed=True) is None]
        if unknown:
            raise UsageError(
                f"not a load-test result Assay reads: {', '.join(unknown)}",
                hint="pass a locust *_stats.csv, a k6 summary JSON or saved wrk output",
            )
    summaries = load_results(files, project)
    if not summaries:
        raise UsageError(
            f"no load-test results in {project}",
            hint="keep a locust *_stats.csv, a k6 summary (k6-summary.json) or wrk output "
            "(wrk.txt) in the project, or pass one with --results",
        )
    targets = targets_of(settings)
    if not targets.declared:
        raise UsageError(
            "no service-level objectives declared",
            hint="add [slo] to assay.toml: p95_ms, p99_ms, min_throughput_rps, max_error_rate",
        )
    return SloCheck(summaries, targets, judge_slo(summaries, targets))


def _relative(summary: LoadSummary, source: str) -> LoadSummary:
    return LoadSummary(**{**asdict(summary), "source": source})
