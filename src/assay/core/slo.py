"""Load-test results judged against declared service-level objectives (PROD-006)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "LoadSummary",
    "ObjectiveResult",
    "ObjectiveStatus",
    "SloCheck",
    "SloTargets",
    "judge_slo",
    "slo_status",
]


@dataclass(frozen=True)
class LoadSummary:
    """One load-test run, reduced to what objectives are about (times in milliseconds)."""

    source: str
    tool: str
    """locust, k6 or wrk."""
    requests: int | None
    failures: int | None
    throughput_rps: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    duration_s: float | None = None
    error_rate_measured: float | None = None
    average_ms: float | None = None
    """The tool's own failure rate, when it reports one rather than counts."""

    @property
    def error_rate(self) -> float | None:
        if self.error_rate_measured is not None:
            return self.error_rate_measured
        if self.requests and self.failures is not None:
            return self.failures / self.requests
        return None


@dataclass(frozen=True)
class SloTargets:
    """Objectives from ``[slo]``; an objective left out is not judged."""

    p95_ms: float | None = None
    p99_ms: float | None = None
    min_throughput_rps: float | None = None
    max_error_rate: float | None = None
    """A fraction: 0.01 is 1% of requests."""

    @property
    def declared(self) -> bool:
        return any(v is not None for v in vars(self).values())


class ObjectiveStatus(enum.StrEnum):
    MET = "met"
    MISSED = "missed"
    UNMEASURED = "unmeasured"
    """No load-test result reports the figure: never counted as met."""


@dataclass(frozen=True)
class ObjectiveResult:
    objective: str
    """``p95_ms``, ``p99_ms``, ``min_throughput_rps`` or ``max_error_rate``."""
    target: float
    measured: float | None
    """The worst value over the results that report it."""
    status: ObjectiveStatus
    source: str | None
    """The result the worst value came from."""


# objective -> (figure of a LoadSummary, True when a higher measured value is worse)
_OBJECTIVES = {
    "p95_ms": ("p95_ms", True),
    "p99_ms": ("p99_ms", True),
    "min_throughput_rps": ("throughput_rps", False),
    "max_error_rate": ("error_rate", True),
}


def judge_slo(summaries: Sequence[LoadSummary], targets: SloTargets) -> tuple[ObjectiveResult, ...]:
    """Each declared objective against the worst result that measures it."""
    results = []
    for objective, (figure, higher_is_worse) in _OBJECTIVES.items():
        target = getattr(targets, objective)
        if target is None:
            continue
        measured = [
            (getattr(s, figure), s.source) for s in summaries if getattr(s, figure) is not None
        ]
        if not measured:
            results.append(
                ObjectiveResult(objective, target, None, ObjectiveStatus.UNMEASURED, None)
            )
            continue
        worst = (max if higher_is_worse else min)(measured, key=lambda pair: pair[0])
        met = worst[0] <= target if higher_is_worse else worst[0] >= target
        status = ObjectiveStatus.MET if met else ObjectiveStatus.MISSED
        results.append(ObjectiveResult(objective, target, round(worst[0], 6), status, worst[1]))
    return tuple(results)


def slo_status(results: Sequence[ObjectiveResult]) -> ObjectiveStatus:
    """Missed when any objective is missed; unmeasured when any is unmeasured; else met."""
    statuses = {r.status for r in results}
    if ObjectiveStatus.MISSED in statuses:
        return ObjectiveStatus.MISSED
    if ObjectiveStatus.UNMEASURED in statuses or not results:
        return ObjectiveStatus.UNMEASURED
    return ObjectiveStatus.MET


@dataclass(frozen=True)
class SloCheck:
    summaries: tuple[LoadSummary, ...]
    targets: SloTargets
    objectives: tuple[ObjectiveResult, ...]

    @property
    def status(self) -> ObjectiveStatus:
        return slo_status(self.objectives)

    def summary(self) -> dict[str, object]:
        return {
            "results": len(self.summaries),
            "tools": sorted({s.tool for s in self.summaries}),
            "slo_declared": self.targets.declared,
            "status": self.status.value if self.targets.declared else "no objectives",
            **{r.objective: r.measured for r in self.objectives},
        }
