"""Theater detection: tests that cannot fail and shipped code that only pretends to work.

Pure functions of source text: one ``ast.parse`` per file, findings with rule ids. What a
file cannot tell alone (whether another module derives from one of its classes) comes in as
an argument: ``base_names`` of every file, collected by the caller that reads the tree.
"""

from __future__ import annotations

from assay.core.theater.model import RULES, Finding, Severity, counted
from assay.core.theater.shipped import analyse_shipped, base_names, is_hook
from assay.core.theater.suite import analyse_tests

__all__ = [
    "RULES",
    "Finding",
    "Severity",
    "analyse_shipped",
    "analyse_tests",
    "base_names",
    "counted",
    "is_hook",
]
