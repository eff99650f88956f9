"""Measured results of a project's own runs: tests, coverage, benchmarks, load tests."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = [
    "Benchmark",
    "CoverageReport",
    "FileCoverage",
    "LintFinding",
    "LoadStat",
    "Outcome",
    "TestCase",
    "TestReport",
]


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class TestCase:
    """One test as a JUnit report records it."""

    __test__ = False  # a domain type, not something for pytest to collect

    suite: str
    classname: str
    name: str
    seconds: float
    outcome: Outcome
    message: str = ""


@dataclass(frozen=True)
class TestReport:
    """One JUnit XML file: its counts and every case."""

    __test__ = False

    source: str
    cases: tuple[TestCase, ...]

    def count(self, outcome: Outcome) -> int:
        return sum(1 for case in self.cases if case.outcome is outcome)

    @property
    def total(self) -> int:
        return len(self.cases)

    @property
    def seconds(self) -> float:
        return round(sum(case.seconds for case in self.cases), 6)


@dataclass(frozen=True)
class FileCoverage:
    path: str
    lines_valid: int
    lines_covered: int
    branches_valid: int
    branches_covered: int


@dataclass(frozen=True)
class CoverageReport:
    """Line and branch coverage, overall and per file, from coverage.py or Cobertura."""

    source: str
    producer: str
    lines_valid: int
    lines_covered: int
    branches_valid: int
    branches_covered: int
    files: tuple[FileCoverage, ...]

    @property
    def line_rate(self) -> float | None:
        return self.lines_covered / self.lines_valid if self.lines_valid else None

    @property
    def branch_rate(self) -> float | None:
        return self.branches_covered / self.branches_valid if self.branches_valid else None


@dataclass(frozen=True)
class Benchmark:
    """One benchmark's timing statistics, in seconds."""

    source: str
    name: str
    mean: float
    median: float | None
    minimum: float | None
    maximum: float | None
    stddev: float | None
    rounds: int | None
    iqr: float | None = None
    """Interquartile range of the rounds."""


@dataclass(frozen=True)
class LoadStat:
    """One row of a locust statistics CSV (times in milliseconds)."""

    source: str
    method: str
    name: str
    requests: int
    failures: int
    median_ms: float
    average_ms: float
    p95_ms: float | None
    p99_ms: float | None
    requests_per_s: float


@dataclass(frozen=True)
class LintFinding:
    """One finding of an external linter or type checker (ruff, mypy)."""

    tool: str
    rule: str
    path: str
    line: int
    message: str
