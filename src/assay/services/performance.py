"""Benchmark results against a baseline: a file, a named run, or the stored baseline.

The stored baseline of a project is its newest run marked with ``assay runs baseline``,
else its newest run judged ready; either must hold benchmark evidence.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from assay.collectors import results as readers
from assay.collectors._files import relative_path
from assay.collectors.pyproject import project_name
from assay.core.access import Operation, Target
from assay.core.evidence import EvidenceKind
from assay.core.perf import Baseline, PerformanceCheck, compare
from assay.core.results import Benchmark
from assay.errors import NotFoundError, UsageError
from assay.formats.checks import performance_document
from assay.services.access import authorize
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.store import repositories as repo
from assay.store.database import Store
from assay.store.models import RunRow

__all__ = [
    "Baseline",
    "PerformanceCheck",
    "check_performance",
    "mark_baseline",
    "performance_document",
    "resolve_baseline",
    "stored_baseline",
]


def check_performance(
    project: Path, ctx: Context, *, current: Path | None = None, baseline: str | None = None
) -> PerformanceCheck:
    """Compare the project's benchmark results (``current``, or the files found in the
    project) with the baseline (``baseline``: a file or run id; none: the stored one)."""
    files = [current] if current else readers.discover(project)["benchmarks"]
    if not files:
        raise UsageError(
            f"no benchmark results in {project}",
            hint="run the benchmarks with --benchmark-json=FILE and pass the file with --results",
        )
    benchmarks = tuple(b for path in files for b in readers.read_benchmarks(path))
    chosen = resolve_baseline(ctx, project, baseline)
    if chosen is None:
        raise NotFoundError(
            f"no baseline for {project_name(project)}: no run is marked as baseline or was "
            "judged ready with benchmark results",
            hint="mark a run with `assay runs baseline RUN`, or pass --baseline FILE",
        )
    sources = tuple(relative_path(p, project) for p in files)
    return PerformanceCheck(compare(benchmarks, chosen.benchmarks), chosen, sources)


def resolve_baseline(ctx: Context, project: Path, spec: str | None) -> Baseline | None:
    """The baseline ``spec`` names (a results file or a run id), or the stored baseline."""
    if spec is None:
        return stored_baseline(ctx, project_name(project))
    path = Path(spec)
    if path.is_file():
        return Baseline(str(path), None, readers.read_benchmarks(path))
    if path.suffix or "/" in spec:
        raise UsageError(f"no such baseline file: {spec}", hint="pass a results file or a run id")
    store = ctx.store(create=False)
    with store.transaction() as session:
        run = repo.find_run(session, spec)
        return _baseline_of(store, run, "named run")


def stored_baseline(ctx: Context, project: str) -> Baseline | None:
    """The project's marked baseline run, else its newest ready run (with benchmarks)."""
    try:
        store = ctx.store(create=False)
    except NotFoundError:
        return None
    with store.transaction() as session:
        found = repo.baseline_candidates(session, project, EvidenceKind.BENCHMARKS.value)
        if not found:
            return None
        why = "marked as baseline" if found[0].baseline else "newest ready run"
        return _baseline_of(store, found[0], why)


def mark_baseline(
    ctx: Context, run_ident: str, *, marked: bool = True, actor: str = "unknown"
) -> tuple[str, str]:
    """Mark (or unmark) a run as its project's performance baseline: (run id, project)."""
    authorize(ctx, actor, Operation.MARK_BASELINE, Target(), datetime.now(UTC))
    store = ctx.store(create=False)
    with store.transaction() as session:
        run = repo.find_run(session, run_ident)
        if marked and not any(e.kind == EvidenceKind.BENCHMARKS.value for e in run.evidence):
            raise UsageError(
                f"run {run.id} holds no benchmark results, so it cannot be a baseline",
                hint="certify with benchmark results (pytest --benchmark-json) first",
            )
        run.baseline = marked
        action = "run.baseline_marked" if marked else "run.baseline_cleared"
        event = AuditEvent(actor, action, run.id, {"project": run.project.name})
        audit_log(ctx.settings).record(session, [event], datetime.now(UTC))
        return run.id, run.project.name


def _baseline_of(store: Store, run: RunRow, why: str) -> Baseline:
    row = next((e for e in run.evidence if e.kind == EvidenceKind.BENCHMARKS.value), None)
    if row is None:
        raise UsageError(
            f"run {run.id} holds no benchmark results", hint="name a run that had benchmarks"
        )
    body = json.loads(store.locker.get(row.sha256))
    benchmarks = tuple(Benchmark(**item) for item in body["items"])
    return Baseline(f"run {run.id} ({why})", run.id, benchmarks)
