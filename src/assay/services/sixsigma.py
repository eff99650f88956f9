"""The Six Sigma use case: the defect model over runs, control charts, capability."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assay.collectors.pyproject import project_name
from assay.core.defects import DEFAULT_CTQS, Ctq, RunQuality, run_quality
from assay.core.sixsigma import (
    Capability,
    ControlLimits,
    RuleSet,
    Signal,
    capability,
    individuals_limits,
    p_chart,
    run_rules,
    u_chart,
)
from assay.core.sixsigma_report import RunPoint, SixSigmaReport
from assay.errors import NotFoundError, UsageError
from assay.formats.sixsigma import sixsigma_document
from assay.services.context import Context
from assay.store import repositories as repo

__all__ = [
    "RunPoint",
    "SixSigmaReport",
    "ctqs_of",
    "quality_of",
    "sixsigma_document",
    "sixsigma_report",
]

MIN_RUNS = 3
"""Fewer runs than this and a control chart says nothing."""


def ctqs_of(ctx: Context) -> tuple[Ctq, ...]:
    """The default characteristics, with ``[sixsigma.ctq]`` replacing or adding by name."""
    chosen = {ctq.name: ctq for ctq in DEFAULT_CTQS}
    for name, entry in ctx.settings.sixsigma.ctq.items():
        kind, _, figure = entry.opportunities.rpartition(".")
        defects = []
        for key, weight in entry.defects.items():
            defect_kind, _, defect_figure = key.rpartition(".")
            if not defect_kind:
                raise UsageError(
                    f"[sixsigma.ctq.{name}] defect {key!r} is not kind.figure",
                    hint='for example defects = {"tests.failed" = 1.0}',
                )
            defects.append((defect_kind, defect_figure, weight))
        requires = []
        for key, value in entry.requires.items():
            required_kind, _, required_figure = key.rpartition(".")
            if not required_kind:
                raise UsageError(
                    f"[sixsigma.ctq.{name}] requirement {key!r} is not kind.figure",
                    hint='for example requires = {"vulnerabilities.status" = "complete"}',
                )
            requires.append((required_kind, required_figure, value))
        kept = chosen[name].requires if name in chosen and not requires else ()
        chosen[name] = Ctq(name, (kind, figure), tuple(defects), tuple(requires) or kept)
    return tuple(chosen.values())


def quality_of(ctx: Context, summaries: Mapping[str, Mapping[str, Any]]) -> RunQuality:
    return run_quality(summaries, ctqs_of(ctx), ctx.settings.sixsigma.shift)


def sixsigma_report(
    ctx: Context,
    project: Path,
    *,
    runs: int = 30,
    metric: str | None = None,
    rules: RuleSet = RuleSet.WESTERN_ELECTRIC,
) -> SixSigmaReport:
    name = project_name(project)
    points = _history(ctx, name, runs)
    if not points:
        raise NotFoundError(f"no runs of {name} yet", hint="run: assay certify -C PATH")
    notes: list[str] = [f"sigma levels include a {ctx.settings.sixsigma.shift:g} shift"]
    defect_signals = _defect_chart(points, rules, notes)
    values: list[float] = []
    run_ids: list[str] = []
    limits: ControlLimits | None = None
    moving: ControlLimits | None = None
    signals: tuple[Signal, ...] = ()
    cap: Capability | None = None
    if metric:
        values, run_ids = _metric(points, metric)
        if len(values) < MIN_RUNS:
            notes.append(f"{metric}: {len(values)} runs report it; a chart needs {MIN_RUNS}")
        else:
            limits, moving = individuals_limits(values)
            signals = tuple(run_rules(values, limits, rules))
            spec = ctx.settings.sixsigma.spec.get(metric)
            if spec is not None:
                cap = capability(values, spec.lower, spec.upper, in_control=not signals)
            else:
                notes.append(f"{metric}: no [sixsigma.spec] limits, so no capability indices")
    return SixSigmaReport(
        project=name,
        shift=ctx.settings.sixsigma.shift,
        points=points,
        defect_signals=defect_signals,
        metric=metric,
        metric_values=tuple(values),
        metric_runs=tuple(run_ids),
        limits=limits,
        moving_range_limits=moving,
        metric_signals=signals,
        capability=cap,
        notes=tuple(notes),
    )


def _history(ctx: Context, name: str, runs: int) -> tuple[RunPoint, ...]:
    """The project's newest ``runs`` runs, oldest first."""
    points = []
    with ctx.transaction(create=False) as session:
        for row in reversed(repo.list_runs(session, runs, name)):
            summaries = {e.kind: dict(e.summary or {}) for e in row.evidence}
            points.append(RunPoint(row.id, row.started_at, quality_of(ctx, summaries), summaries))
    return tuple(points)


def _defect_chart(
    points: Sequence[RunPoint], rules: RuleSet, notes: list[str]
) -> tuple[Signal, ...]:
    """Two charts with each run's own limits, signals taken on the standardised rates:
    a u chart of weighted defects per opportunity (a unit may hold several defects), and
    a p chart of the share of tests that failed (a test passes or not)."""
    usable = [p for p in points if p.quality.opportunities]
    found: list[Signal] = []
    if len(usable) >= MIN_RUNS:
        defects = [p.quality.defects for p in usable]
        sizes = [p.quality.opportunities for p in usable]
        found += _signals(
            "u chart, defects per opportunity",
            usable,
            defects,
            sizes,
            u_chart(defects, sizes),
            rules,
        )
    else:
        notes.append(f"defect rate: {len(usable)} runs to chart; a chart needs {MIN_RUNS}")
    tested = [p for p in points if _figure(p, "tests", "tests")]
    if len(tested) >= MIN_RUNS:
        failed = [
            round((_figure(p, "tests", "failed") or 0) + (_figure(p, "tests", "error") or 0))
            for p in tested
        ]
        runs_of = [round(_figure(p, "tests", "tests") or 0) for p in tested]
        found += _signals(
            "p chart, failed tests", tested, failed, runs_of, p_chart(failed, runs_of), rules
        )
    return tuple(found)


def _signals(
    chart: str,
    points: Sequence[RunPoint],
    counts: Sequence[float],
    sizes: Sequence[float],
    limits: Sequence[ControlLimits],
    rules: RuleSet,
) -> list[Signal]:
    z = [
        (c / n - lim.center) / lim.sigma if lim.sigma else 0.0
        for c, n, lim in zip(counts, sizes, limits, strict=True)
    ]
    named = []
    for signal in run_rules(z, ControlLimits(0.0, -3.0, 3.0, 1.0), rules):
        runs = ", ".join(points[i].run[:8] for i in signal.points)
        text = f"{chart}: {signal.description} (runs {runs})"
        named.append(Signal(signal.rule, signal.points, text))
    return named


def _figure(point: RunPoint, kind: str, name: str) -> float | None:
    value = point.summaries.get(kind, {}).get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _metric(points: Sequence[RunPoint], metric: str) -> tuple[list[float], list[str]]:
    """Values of ``kind.figure`` per run, or of ``benchmark:NAME`` (its mean, seconds)."""
    if metric.startswith("benchmark:"):
        name = metric.removeprefix("benchmark:")
        values, ids = [], []
        for point in points:
            mean = point.summaries.get("benchmarks", {}).get("means", {}).get(name)
            if isinstance(mean, int | float):
                values.append(float(mean))
                ids.append(point.run)
        return values, ids
    kind, _, figure = metric.rpartition(".")
    if not kind:
        raise UsageError(
            f"metric {metric!r} is not kind.figure",
            hint="e.g. coverage.line_rate, tests.seconds, or benchmark:NAME",
        )
    values, ids = [], []
    for point in points:
        value = point.summaries.get(kind, {}).get(figure)
        if isinstance(value, int | float) and not isinstance(value, bool):
            values.append(float(value))
            ids.append(point.run)
    return values, ids
