"""Judging: a claim against a measurement, and a report's figures against each other."""

from __future__ import annotations

import re

from assay.core.claims.model import (
    Claim,
    ClaimKind,
    ClaimResult,
    Measured,
    Measurement,
    Unmeasured,
    Verdict,
)
from assay.core.claims.rule_parts import _number

__all__ = ["APPROXIMATE", "RELATIVE_TOLERANCE", "judge_claim", "self_contradiction", "tolerance"]

# --- judging --------------------------------------------------------------------------------

_PERCENT_KINDS = {
    ClaimKind.COVERAGE,
    ClaimKind.PASS_RATE,
    ClaimKind.ERROR_RATE,
    ClaimKind.AVAILABILITY,
    ClaimKind.COMPLETION,
    ClaimKind.OVERHEAD,
}
_COUNT_KINDS = {
    ClaimKind.TEST_COUNT,
    ClaimKind.VULNERABILITIES,
    ClaimKind.ENDPOINT_COUNT,
    ClaimKind.FILE_COUNT,
}
APPROXIMATE = 0.05
"""``~1,800 lines``, ``about 400 tests``: within 5% of the measurement holds."""
RELATIVE_TOLERANCE = 0.10
"""Latency and throughput vary from run to run: within 10% of the measurement holds."""


def tolerance(claim: Claim, measured: float) -> float:
    """How far the measurement may be from the claim and still support it."""
    if claim.kind in _PERCENT_KINDS or (claim.kind is ClaimKind.SCORE and claim.unit == "%"):
        return max(0.5 / 10.0**claim.decimals, 0.05)  # "95%" holds from 94.5% to 95.5%
    if claim.kind in _COUNT_KINDS:
        return 0.0
    if claim.kind is ClaimKind.LINE_COUNT:
        return max(1.0, 0.01 * measured)
    if claim.kind is ClaimKind.SCORE:
        return 0.5 / 10.0**claim.decimals
    return RELATIVE_TOLERANCE * measured


def judge_claim(claim: Claim, measurement: Measurement) -> ClaimResult:
    if isinstance(measurement, Unmeasured):
        return ClaimResult(claim, Verdict.UNVERIFIABLE, None, f"not measured: {measurement.needs}")
    if claim.value is None:
        return ClaimResult(
            claim, Verdict.UNVERIFIABLE, None, "a claim without a defined measurement"
        )
    measured = measurement.value
    slack = tolerance(claim, measured)
    if claim.comparator in ("<=", ">=") and claim.kind in (*_COUNT_KINDS, ClaimKind.LINE_COUNT):
        slack = 0.0  # "300+ lines" is not met by 298
    if claim.comparator == "~":
        holds = abs(measured - claim.value) <= max(slack, APPROXIMATE * measured)
    elif claim.comparator == "<=":
        holds = measured <= claim.value + slack
    elif claim.comparator == ">=":
        holds = measured >= claim.value - slack
    else:
        holds = abs(measured - claim.value) <= slack
    shown = f"{_show(claim.value)}{claim.unit and ' ' + claim.unit}"
    sign = {"=": "", "~": "about ", "<=": "at most ", ">=": "at least "}[claim.comparator]
    verdict = Verdict.SUPPORTED if holds else Verdict.CONTRADICTED
    explanation = f"claimed {sign}{shown}, measured {_show(measured)} ({measurement.source})"
    return ClaimResult(claim, verdict, round(measured, 6), explanation, measurement.source)


def _show(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


# --- a report against itself ----------------------------------------------------------------

_PCT_THEN_FRACTION = re.compile(r"(\d+(?:\.\d+)?)\s*%[^()\n]{0,20}\(\s*(\d+)\s*/\s*(\d+)\b")
_FRACTION_THEN_PCT = re.compile(r"\b(\d+)\s*/\s*(\d+)\b[^()\n]{0,30}\(\s*(\d+(?:\.\d+)?)\s*%\s*\)")
_TOTAL_THEN_PARTS = re.compile(
    r"(\d[\d,]*)\+?\s+(?:\w+\s+)?tests?\s*\((\s*\d[\d,]*\s+[\w-]+(?:\s*[,;+]\s*\d[\d,]*\s+[\w-]+)+)\s*\)",
    re.I,
)


def self_contradiction(claim: Claim) -> Measured | None:
    """The report's own figures that disagree with the claim: a percentage beside its own
    fraction (``95% (17/20)``), a total beside its parts (``50 tests (30 unit, 10 e2e)``).
    The report's text never supports itself; it can only contradict itself."""
    if claim.value is None:
        return None
    if claim.unit == "%":
        pairs = [(m[1], m[2], m[3]) for m in _PCT_THEN_FRACTION.finditer(claim.text)]
        pairs += [(m[3], m[1], m[2]) for m in _FRACTION_THEN_PCT.finditer(claim.text)]
        for pct, part, whole in pairs:
            if float(pct) != claim.value or int(whole) == 0:
                continue
            share = 100 * int(part) / int(whole)
            if abs(share - claim.value) > max(0.5 / 10.0**claim.decimals, 0.05):
                return Measured(share, f"the report's own figures: {part}/{whole}")
    if claim.kind is ClaimKind.TEST_COUNT:
        for match in _TOTAL_THEN_PARTS.finditer(claim.text):
            if _number(match.group(1)) != claim.value:
                continue
            parts = [_number(n) for n in re.findall(r"(\d[\d,]*)\s+[\w-]+", match.group(2))]
            if sum(parts) != claim.value:
                shown = " + ".join(f"{p:.0f}" for p in parts)
                return Measured(sum(parts), f"the report's own parts: {shown}")
    return None
