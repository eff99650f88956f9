"""Theater findings: their rules, severities and what counts as theater."""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass

__all__ = ["RULES", "Finding", "Severity", "counted"]


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    """Reported for the reader, never counted as theater (a smoke test)."""


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    line: int
    function: str
    """The test or function the finding is about ("" for a module-level comment)."""
    message: str
    owner: str = ""
    """The class the function is defined in ("" for a module-level function)."""


RULES: dict[str, tuple[Severity, str]] = {
    "TH-T001": (Severity.HIGH, "test checks nothing and cannot fail on a wrong result"),
    "TH-T002": (Severity.HIGH, "test asserts a tautology"),
    "TH-T003": (Severity.MEDIUM, "test is skipped unconditionally"),
    "TH-T004": (Severity.HIGH, "test asserts only on mocks standing in for the code under test"),
    "TH-T005": (Severity.HIGH, "test swallows every exception around the code under test"),
    "TH-T006": (Severity.INFO, "smoke test: passes unless the code raises; it checks no result"),
    "TH-S001": (Severity.HIGH, "shipped function is a stub"),
    "TH-S002": (Severity.LOW, "TODO/FIXME/XXX left in shipped code"),
    "TH-S003": (Severity.MEDIUM, "function named for a measurement returns a constant"),
}


def counted(severity: str) -> bool:
    """Whether a finding of this severity counts as theater (for the THEATER and PROD-001
    gates, Six Sigma defects and the exit status): every one but an info finding, which is
    a smoke test reported for the reader."""
    return severity != Severity.INFO


def _finding(rule: str, path: str, node: ast.AST, message: str, owner: str = "") -> Finding:
    return Finding(
        rule,
        RULES[rule][0],
        path,
        getattr(node, "lineno", 1),
        getattr(node, "name", ""),
        message,
        owner,
    )
