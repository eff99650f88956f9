"""The result of a quality analysis: Power-of-Ten compliance, theater and linter findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["QualityReport"]


@dataclass(frozen=True)
class QualityReport:
    root: str
    files: int
    functions: int
    compliance: dict[str, float | None]
    """Share of functions with no violation of each rule; None when nothing was measured."""
    overall: float | None
    """Share of functions with no violation at all; None when nothing was measured."""
    violations: tuple[dict[str, Any], ...]
    theater: tuple[dict[str, Any], ...]
    """Theater and stub findings: what the THEATER and PROD-001 gates, Six Sigma and the
    exit status count."""
    errors: tuple[dict[str, Any], ...]
    """Files that could not be parsed, with the reason."""
    cached: int
    """Files whose results came from the cache."""
    linters: tuple[dict[str, Any], ...] = ()
    """Findings of ruff and mypy reports kept in the project (``ruff.json``, ``mypy.txt``)."""
    linter_reports: tuple[str, ...] = ()
    unmeasured: str | None = None
    """Why compliance is unknown (no Python file, no function), when it is."""
    smoke_tests: tuple[dict[str, Any], ...] = ()
    """Findings of severity info (TH-T006: a test that passes unless the code raises):
    listed for the reader, never counted as theater."""
