"""The defect and opportunity model: which evidence figures count as opportunities and
which as defects, with severity weights, and what a run's DPMO and yields are.

Defaults (each configurable in ``[sixsigma.ctq]``):

- tests: every test that ran is an opportunity; each failure or error a defect, and each
  test-theater finding (a test that cannot fail, a tautology...) a defect; a smoke test
  (TH-T006, severity info: it fails only when the code raises) is not;
- vulnerabilities: every component is an opportunity; each unsuppressed critical (weight
  1.0), high (1.0) or unscored (1.0) vulnerability a defect, medium 0.5, low 0.1;
  measured only when the scan is complete: an unknown or missing scan adds nothing;
- code quality: every function is an opportunity; each rule violation a defect, and each
  stub in shipped code a defect;
- claims: every claim checked is an opportunity; each contradicted claim a defect.

Only measured characteristics count: one whose opportunities are not in the run's
evidence, or whose ``requires`` figures do not hold, is left out and named, never counted
as defect-free opportunities.

A run with no defect has no finite sigma level: ``RunQuality.sigma`` is then None and
``sigma_text`` says "above 6 (0 defects in N opportunities)".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assay.core.sixsigma import rolled_throughput_yield, sigma_level

__all__ = ["DEFAULT_CTQS", "Ctq", "RunQuality", "StageQuality", "run_quality"]


@dataclass(frozen=True)
class Ctq:
    """A critical-to-quality characteristic measured in one kind of evidence."""

    name: str
    opportunities: tuple[str, str]
    """(evidence kind, summary figure) counting the opportunities."""
    defects: tuple[tuple[str, str, float], ...]
    """(evidence kind, summary figure, weight) for each kind of defect."""
    requires: tuple[tuple[str, str, str], ...] = ()
    """(evidence kind, summary figure, value) that must all hold for the characteristic to
    count as measured, for example a vulnerability scan whose status is complete."""


DEFAULT_CTQS: tuple[Ctq, ...] = (
    Ctq(
        "tests",
        ("tests", "tests"),
        (("tests", "failed", 1.0), ("tests", "error", 1.0), ("theater", "test_theater", 1.0)),
    ),
    Ctq(
        "vulnerabilities",
        ("inventory", "components"),
        (
            ("vulnerabilities", "critical", 1.0),
            ("vulnerabilities", "high", 1.0),
            ("vulnerabilities", "unknown", 1.0),
            ("vulnerabilities", "medium", 0.5),
            ("vulnerabilities", "low", 0.1),
        ),
        requires=(("vulnerabilities", "status", "complete"),),
    ),
    Ctq(
        "code quality",
        ("static-analysis", "functions"),
        (("static-analysis", "violations", 1.0), ("theater", "stubs", 1.0)),
    ),
    Ctq("claims", ("claims", "claims"), (("claims", "contradicted", 1.0),)),
)


@dataclass(frozen=True)
class StageQuality:
    name: str
    opportunities: float
    defects: float

    @property
    def yield_(self) -> float:
        return max(0.0, 1 - self.defects / self.opportunities)


@dataclass(frozen=True)
class RunQuality:
    stages: tuple[StageQuality, ...]
    missing: tuple[str, ...]
    """Characteristics this run has no evidence for (left out, and said)."""
    shift: float

    @property
    def opportunities(self) -> float:
        return sum(s.opportunities for s in self.stages)

    @property
    def defects(self) -> float:
        return sum(s.defects for s in self.stages)

    @property
    def dpmo(self) -> float | None:
        return self.defects / self.opportunities * 1_000_000 if self.opportunities else None

    @property
    def dpu(self) -> float | None:
        """Defects per unit; each unit (a test, a component, a function, a claim) is one
        opportunity, so DPU is DPMO / 10^6 here, and stated as such."""
        return self.defects / self.opportunities if self.opportunities else None

    @property
    def sigma(self) -> float | None:
        """The sigma level; None without opportunities, and None with no defect, where
        the level is not a finite number (see ``sigma_text``)."""
        value = self.dpmo
        if value is None or value == 0:
            return None
        return sigma_level(min(value, 999_999.0), self.shift)

    @property
    def sigma_text(self) -> str:
        """The sigma level in words: a figure, "above 6 (0 defects in N opportunities)",
        or why there is none."""
        if not self.opportunities:
            return "unknown (no measured characteristic)"
        level = self.sigma
        if level is None:
            return f"above 6 (0 defects in {self.opportunities:,.0f} opportunities)"
        return f"{level:.2f}"

    @property
    def rolled_throughput_yield(self) -> float | None:
        return rolled_throughput_yield([s.yield_ for s in self.stages]) if self.stages else None


def run_quality(
    summaries: Mapping[str, Mapping[str, Any]],
    ctqs: Sequence[Ctq] = DEFAULT_CTQS,
    shift: float = 1.5,
) -> RunQuality:
    """The DPMO model applied to one run's evidence summaries."""
    stages, missing = [], []
    for ctq in ctqs:
        kind, key = ctq.opportunities
        opportunities = _number(summaries.get(kind, {}).get(key))
        held = all(summaries.get(k, {}).get(figure) == value for k, figure, value in ctq.requires)
        if not opportunities or opportunities < 0 or not held:
            missing.append(ctq.name)
            continue
        defects = sum(
            weight * (_number(summaries.get(k, {}).get(figure)) or 0.0)
            for k, figure, weight in ctq.defects
        )
        stages.append(StageQuality(ctq.name, opportunities, min(defects, opportunities)))
    return RunQuality(tuple(stages), tuple(missing), shift)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
