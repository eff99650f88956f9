"""What claims are: their kinds, the report's segments, claims, measurements, verdicts."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "Claim",
    "ClaimKind",
    "ClaimResult",
    "ClaimsCheck",
    "Measured",
    "Measurement",
    "Segment",
    "Unmeasured",
    "Verdict",
]


class ClaimKind(enum.StrEnum):
    COVERAGE = "coverage"
    TEST_COUNT = "test-count"
    PASS_RATE = "pass-rate"
    VULNERABILITIES = "vulnerabilities"
    LATENCY = "latency"
    THROUGHPUT = "throughput"
    ERROR_RATE = "error-rate"
    AVAILABILITY = "availability"
    LINE_COUNT = "line-count"
    ENDPOINT_COUNT = "endpoint-count"
    FILE_COUNT = "file-count"
    COMPLETION = "completion"
    SCORE = "score"
    OVERHEAD = "overhead"
    MODULE_COUNT = "module-count"
    MEMORY = "memory"
    RECOVERY = "recovery"
    SIGNOFF = "signoff"


class Verdict(enum.StrEnum):
    SUPPORTED = "supported"
    CONTRADICTED = "contradicted"
    UNVERIFIABLE = "unverifiable"


@dataclass(frozen=True)
class Segment:
    """A piece of the report's text with its line (1-based) and the heading above it."""

    text: str
    line: int
    heading: str = ""
    kind: str = "prose"
    """prose, list, heading or table."""


@dataclass(frozen=True)
class Claim:
    kind: ClaimKind
    value: float | None
    """None for a claim without a number ("certified", "grade A+")."""
    unit: str
    text: str
    line: int
    qualifier: str = ""
    """Severity, latency statistic, score name."""
    subject: str = ""
    """What a line count is of."""
    comparator: str = "="
    """``=``, ``~`` (about), ``<=`` (under, at most) or ``>=`` (over, at least)."""
    decimals: int = 0
    """Decimals as written: they set the tolerance of a percentage."""
    items: tuple[str, ...] = ()
    """The things counted, when the report lists them: ``6 components (Button, Card, ...)``."""


@dataclass(frozen=True)
class Measured:
    value: float
    source: str
    """Where the figure comes from (evidence, a file, the tree)."""


@dataclass(frozen=True)
class Unmeasured:
    needs: str
    """The evidence that would settle the claim."""


Measurement = Measured | Unmeasured


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    verdict: Verdict
    measured: float | None
    explanation: str
    evidence: str = ""


@dataclass(frozen=True)
class ClaimsCheck:
    reports: tuple[str, ...]
    results: tuple[ClaimResult, ...]
    evidence_source: str

    def count(self, verdict: Verdict) -> int:
        return sum(r.verdict is verdict for r in self.results)

    def summary(self) -> dict[str, int]:
        return {
            "reports": len(self.reports),
            "claims": len(self.results),
            **{v.value: self.count(v) for v in Verdict},
        }
