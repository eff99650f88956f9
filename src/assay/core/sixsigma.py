"""Six Sigma statistics, the textbook way: DPMO, sigma level, yields, capability indices,
control limits (individuals and moving range, p and u charts) and run rules.

Conventions, stated where they are used: the sigma level is the inverse normal of the
process yield plus a long-term shift (1.5 by default); within-subgroup sigma for
individuals is the average moving range over d2 = 1.128; Cp/Cpk use that short-term
sigma, Pp/Ppk the overall sample standard deviation.
"""

from __future__ import annotations

import enum
import itertools
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = [
    "D2",
    "D4",
    "Capability",
    "ControlLimits",
    "RuleSet",
    "Signal",
    "capability",
    "dpmo",
    "first_pass_yield",
    "individuals_limits",
    "moving_ranges",
    "p_chart",
    "rolled_throughput_yield",
    "run_rules",
    "sigma_level",
    "u_chart",
]

D2 = 1.128
"""Expected range of two normal observations in standard deviations (moving ranges of 2)."""
D4 = 3.267
"""Upper control limit factor of a range chart of subgroups of two."""
MIN_CAPABILITY_SAMPLE = 25
"""Fewer points than this and a capability index is not worth printing."""


def dpmo(defects: float, units: int, opportunities_per_unit: float) -> float:
    """Defects per million opportunities."""
    if units <= 0 or opportunities_per_unit <= 0:
        raise ValueError("DPMO needs at least one unit and one opportunity per unit")
    return defects / (units * opportunities_per_unit) * 1_000_000


def sigma_level(dpmo_value: float, shift: float = 1.5) -> float:
    """Inverse normal of the yield (1 - DPMO/10^6), plus the long-term shift."""
    if not 0 <= dpmo_value < 1_000_000:
        raise ValueError("DPMO must be at least 0 and below 1,000,000")
    if dpmo_value == 0:
        return math.inf
    return statistics.NormalDist().inv_cdf(1 - dpmo_value / 1_000_000) + shift


def first_pass_yield(units: int, defective_units: int) -> float:
    """Share of units that pass the first time."""
    if units <= 0:
        raise ValueError("a yield needs at least one unit")
    return (units - defective_units) / units


def rolled_throughput_yield(stage_yields: Sequence[float]) -> float:
    """The chance a unit passes every stage: the product of the stages' first-pass yields."""
    return math.prod(stage_yields)


def moving_ranges(values: Sequence[float]) -> list[float]:
    return [abs(b - a) for a, b in itertools.pairwise(values)]


@dataclass(frozen=True)
class ControlLimits:
    center: float
    lower: float
    upper: float
    sigma: float
    """The sigma of the plotted statistic the limits are built from."""


def individuals_limits(values: Sequence[float]) -> tuple[ControlLimits, ControlLimits]:
    """Individuals chart and moving-range chart: limits x̄ ± 3·MR̄/d2 and [0, D4·MR̄]."""
    if len(values) < 2:
        raise ValueError("an individuals chart needs at least two points")
    ranges = moving_ranges(values)
    mean, mr_bar = statistics.fmean(values), statistics.fmean(ranges)
    sigma = mr_bar / D2
    individuals = ControlLimits(mean, mean - 3 * sigma, mean + 3 * sigma, sigma)
    moving = ControlLimits(mr_bar, 0.0, D4 * mr_bar, mr_bar / D2)
    return individuals, moving


def p_chart(defective: Sequence[int], sizes: Sequence[int]) -> list[ControlLimits]:
    """Fraction-defective chart with subgroup sizes that vary: p̄ ± 3·sqrt(p̄(1-p̄)/n_i)."""
    p_bar = sum(defective) / sum(sizes)
    limits = []
    for n in sizes:
        sigma = math.sqrt(p_bar * (1 - p_bar) / n)
        low, high = max(0.0, p_bar - 3 * sigma), min(1.0, p_bar + 3 * sigma)
        limits.append(ControlLimits(p_bar, low, high, sigma))
    return limits


def u_chart(defects: Sequence[float], sizes: Sequence[float]) -> list[ControlLimits]:
    """Defects-per-unit chart with varying inspection sizes: ū ± 3·sqrt(ū/n_i)."""
    u_bar = sum(defects) / sum(sizes)
    limits = []
    for n in sizes:
        sigma = math.sqrt(u_bar / n)
        limits.append(ControlLimits(u_bar, max(0.0, u_bar - 3 * sigma), u_bar + 3 * sigma, sigma))
    return limits


@dataclass(frozen=True)
class Capability:
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None
    n: int
    within_sigma: float
    overall_sigma: float
    note: str
    """Why an index is missing, or the convention used."""


def capability(
    values: Sequence[float],
    lower: float | None,
    upper: float | None,
    *,
    within_sigma: float | None = None,
    in_control: bool = True,
) -> Capability:
    """Cp/Cpk (short-term sigma: MR̄/d2, or ``within_sigma``) and Pp/Ppk (overall sample
    sigma). No index is given for a process out of control or a sample under 25."""
    n = len(values)
    if n < 2:
        raise ValueError("capability needs at least two values")
    mean = statistics.fmean(values)
    overall = statistics.stdev(values)
    within = within_sigma
    if within is None:
        within = statistics.fmean(moving_ranges(values)) / D2
    if not in_control:
        why = "the process is not in statistical control"
        return Capability(None, None, None, None, n, within, overall, why)
    if n < MIN_CAPABILITY_SAMPLE:
        why = f"only {n} values (at least {MIN_CAPABILITY_SAMPLE} needed)"
        return Capability(None, None, None, None, n, within, overall, why)
    cp, cpk = _indices(mean, within, lower, upper)
    pp, ppk = _indices(mean, overall, lower, upper)
    note = "Cp/Cpk with sigma = MR̄/d2 (short term); Pp/Ppk with the sample standard deviation"
    return Capability(cp, cpk, pp, ppk, n, within, overall, note)


def _indices(
    mean: float, sigma: float, lower: float | None, upper: float | None
) -> tuple[float | None, float | None]:
    if sigma <= 0:
        return None, None
    spread = (upper - lower) / (6 * sigma) if lower is not None and upper is not None else None
    sides = []
    if upper is not None:
        sides.append((upper - mean) / (3 * sigma))
    if lower is not None:
        sides.append((mean - lower) / (3 * sigma))
    return spread, min(sides) if sides else None


class RuleSet(enum.StrEnum):
    WESTERN_ELECTRIC = "western-electric"
    NELSON = "nelson"


@dataclass(frozen=True)
class Signal:
    rule: str
    points: tuple[int, ...]
    """Indexes of the points that make the pattern; the last one is where it fires."""
    description: str


def run_rules(
    values: Sequence[float], limits: ControlLimits, rules: RuleSet = RuleSet.WESTERN_ELECTRIC
) -> list[Signal]:
    """Patterns that signal an out-of-control process, with the points of each."""
    z = [(v - limits.center) / limits.sigma if limits.sigma else 0.0 for v in values]
    signals: list[Signal] = []
    if rules is RuleSet.WESTERN_ELECTRIC:
        signals += _beyond(z, 3, "WE1", "a point beyond 3 sigma")
        signals += _k_of_m(z, 2, 3, 2, "WE2", "2 of 3 beyond 2 sigma on one side")
        signals += _k_of_m(z, 4, 5, 1, "WE3", "4 of 5 beyond 1 sigma on one side")
        signals += _same_side(z, 8, "WE4", "8 in a row on one side of the center")
    else:
        signals += _beyond(z, 3, "N1", "a point beyond 3 sigma")
        signals += _same_side(z, 9, "N2", "9 in a row on one side of the center")
        signals += _trend(values, 6, "N3", "6 in a row steadily rising or falling")
        signals += _alternating(values, 14, "N4", "14 in a row alternating up and down")
        signals += _k_of_m(z, 2, 3, 2, "N5", "2 of 3 beyond 2 sigma on one side")
        signals += _k_of_m(z, 4, 5, 1, "N6", "4 of 5 beyond 1 sigma on one side")
        signals += _window(z, 15, _all_within, "N7", "15 in a row within 1 sigma")
        signals += _window(z, 8, _all_outside, "N8", "8 in a row beyond 1 sigma, either side")
    return sorted(signals, key=lambda s: (s.points[-1], s.rule))


def _all_within(window: Sequence[float]) -> bool:
    return all(abs(x) < 1 for x in window)


def _all_outside(window: Sequence[float]) -> bool:
    return all(abs(x) > 1 for x in window)


def _beyond(z: Sequence[float], k: float, rule: str, text: str) -> list[Signal]:
    return [Signal(rule, (i,), text) for i, x in enumerate(z) if abs(x) > k]


def _k_of_m(z: Sequence[float], k: int, m: int, level: float, rule: str, text: str) -> list[Signal]:
    found = []
    for end in range(m - 1, len(z)):
        window = range(end - m + 1, end + 1)
        for side in (1, -1):
            hits = tuple(i for i in window if side * z[i] > level)
            if len(hits) >= k and side * z[end] > level:
                found.append(Signal(rule, hits, text))
    return found


def _same_side(z: Sequence[float], length: int, rule: str, text: str) -> list[Signal]:
    return _window(z, length, lambda w: all(x > 0 for x in w) or all(x < 0 for x in w), rule, text)


def _trend(values: Sequence[float], length: int, rule: str, text: str) -> list[Signal]:
    def steady(window: Sequence[float]) -> bool:
        steps = [b - a for a, b in itertools.pairwise(window)]
        return all(s > 0 for s in steps) or all(s < 0 for s in steps)

    return _window(values, length, steady, rule, text)


def _alternating(values: Sequence[float], length: int, rule: str, text: str) -> list[Signal]:
    def alternates(window: Sequence[float]) -> bool:
        steps = [b - a for a, b in itertools.pairwise(window)]
        pairs = itertools.pairwise(steps)
        return all(s != 0 for s in steps) and all(a * b < 0 for a, b in pairs)

    return _window(values, length, alternates, rule, text)


def _window(
    values: Sequence[float],
    length: int,
    test: Callable[[Sequence[float]], bool],
    rule: str,
    text: str,
) -> list[Signal]:
    return [
        Signal(rule, tuple(range(end - length + 1, end + 1)), text)
        for end in range(length - 1, len(values))
        if test(values[end - length + 1 : end + 1])
    ]
