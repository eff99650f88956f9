"""Benchmark regressions against a baseline, with each benchmark's own noise respected."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from assay.core.results import Benchmark

__all__ = [
    "MIN_EFFECT",
    "Baseline",
    "BenchmarkChange",
    "PerformanceCheck",
    "PerformanceComparison",
    "compare",
]

MIN_EFFECT = 0.05
"""A change smaller than 5% is never called a regression, however tight the timings."""
SIGMAS = 3.0


@dataclass(frozen=True)
class BenchmarkChange:
    name: str
    baseline_mean: float
    """The baseline's time compared: its minimum when both runs report one, else its mean."""
    current_mean: float
    change: float
    """Relative change: +0.10 is 10% slower."""
    noise: float
    """How far the two runs may differ by chance, relative to the baseline (see ``compare``)."""
    regression: bool
    improvement: bool


@dataclass(frozen=True)
class PerformanceComparison:
    changes: tuple[BenchmarkChange, ...]
    only_in_baseline: tuple[str, ...]
    only_in_current: tuple[str, ...]
    overhead: float | None
    """Geometric mean of current/baseline over the shared benchmarks, minus one."""
    regression: float | None
    """The same mean with every change inside its noise counted as none: what PROD-002
    judges, so that two runs of the same code do not fail it by chance."""

    @property
    def regressions(self) -> tuple[BenchmarkChange, ...]:
        return tuple(c for c in self.changes if c.regression)


def compare(current: Sequence[Benchmark], baseline: Sequence[Benchmark]) -> PerformanceComparison:
    """Match benchmarks by name and judge each change against its noise.

    The noise of a change is the larger of three standard errors of the difference (from
    the benchmarks' standard deviations and round counts) and the wider interquartile
    range of the two runs. The second term is there because runs on a shared machine
    differ by about as much as rounds within a run do: two runs of the same code on two
    busy cores differed by 5.8% and by -6.7% with a standard error of 1%, inside IQRs of
    7% to 17%.
    A change is a regression only when it is beyond that noise and at least ``MIN_EFFECT``.
    """
    base = {b.name: b for b in baseline}
    now = {b.name: b for b in current}
    changes = []
    for name in sorted(base.keys() & now.keys()):
        before, after = base[name], now[name]
        # The minimum when both runs report it: other work on the machine only ever adds
        # time, so the fastest round is the steadiest estimate of the code's own cost.
        use_min = before.minimum is not None and after.minimum is not None
        start = before.minimum if use_min and before.minimum else before.mean
        end = after.minimum if use_min and after.minimum else after.mean
        if start <= 0:
            continue
        difference = end - start
        # Each run's spread relative to its own level: the absolute spread of a run three
        # times slower is three times wider, and measured against the faster baseline it
        # would hide the very slowdown it comes from.
        spread = max(_spread(before) / start, _spread(after) / end if end > 0 else 0.0)
        noise = max(SIGMAS * math.sqrt(_variance(before) + _variance(after)) / start, spread)
        change = difference / start
        threshold = max(noise, MIN_EFFECT)
        changes.append(
            BenchmarkChange(
                name=name,
                baseline_mean=start,
                current_mean=end,
                change=round(change, 6),
                noise=round(noise, 6),
                regression=change > threshold,
                improvement=change < -threshold,
            )
        )
    ratios = [c.current_mean / c.baseline_mean for c in changes]
    beyond = [
        r if c.regression or c.improvement else 1.0 for r, c in zip(ratios, changes, strict=True)
    ]
    return PerformanceComparison(
        changes=tuple(changes),
        only_in_baseline=tuple(sorted(base.keys() - now.keys())),
        only_in_current=tuple(sorted(now.keys() - base.keys())),
        overhead=_geometric_change(ratios),
        regression=_geometric_change(beyond),
    )


def _geometric_change(ratios: list[float]) -> float | None:
    if not ratios:
        return None
    return round(math.exp(sum(math.log(r) for r in ratios) / len(ratios)) - 1, 6)


def _spread(benchmark: Benchmark) -> float:
    return benchmark.iqr or 0.0


def _variance(benchmark: Benchmark) -> float:
    """Variance of the mean: stddev squared over the rounds (unknown spread: none)."""
    if benchmark.stddev is None:
        return 0.0
    return benchmark.stddev**2 / max(benchmark.rounds or 1, 1)


@dataclass(frozen=True)
class Baseline:
    source: str
    """What the baseline is, for people: a file, or a run and why it was chosen."""
    run_id: str | None
    benchmarks: tuple[Benchmark, ...]


@dataclass(frozen=True)
class PerformanceCheck:
    comparison: PerformanceComparison
    baseline: Baseline
    current_sources: tuple[str, ...]

    def summary(self) -> dict[str, object]:
        overhead, regression = self.comparison.overhead, self.comparison.regression
        return {
            "baseline": self.baseline.source,
            "baseline_run": self.baseline.run_id,
            "compared": len(self.comparison.changes),
            "regressions": len(self.comparison.regressions),
            "overhead_percent": round(overhead * 100, 2) if overhead is not None else None,
            "regression_percent": round(regression * 100, 2) if regression is not None else None,
        }
