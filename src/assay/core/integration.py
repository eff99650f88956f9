"""Integration tests: which tests are, and how their latest results came out (PROD-005)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assay.core.results import Outcome, TestCase

__all__ = [
    "INTEGRATION_FOLDERS",
    "INTEGRATION_MARKERS",
    "DeclaredTest",
    "IntegrationSummary",
    "is_integration_name",
    "summarise_integration",
]

INTEGRATION_MARKERS = frozenset({"integration", "e2e", "end_to_end"})
INTEGRATION_FOLDERS = frozenset({"integration", "integration_tests", "e2e", "end_to_end"})
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_INTEGRATION_WORDS = frozenset({"integration", "e2e"})


@dataclass(frozen=True)
class DeclaredTest:
    """An integration test found in the test sources."""

    module: str
    """Dotted path from the project root, as pytest names it: ``tests.integration.test_api``."""
    name: str
    """Function name, or ``Class.function``."""
    reasons: tuple[str, ...]
    """``marker``, ``folder`` or ``name``."""
    source: str

    @property
    def node(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(frozen=True)
class IntegrationSummary:
    declared: int
    """Integration tests found in the sources."""
    executed: int
    """Integration test cases in the results (parametrised cases count one each)."""
    passed: int
    failed: int
    skipped: int
    not_run: tuple[str, ...]
    """Declared tests with no case in the results."""
    failures: tuple[str, ...]
    recognised_in_results: int
    """Cases recognised by their name alone (no matching source: another language, say)."""

    @property
    def all_passed(self) -> bool:
        return self.executed > 0 and self.failed == 0 and not self.not_run


def is_integration_name(*parts: str) -> bool:
    """A module, class or test name that says integration (``test_integration_api``)."""
    for part in parts:
        if "end_to_end" in part.lower():
            return True
        words = {w.lower() for w in _WORDS.findall(part)}  # snake_case and CamelCase words
        if words & _INTEGRATION_WORDS:
            return True
    return False


def summarise_integration(
    declared: Sequence[DeclaredTest], cases: Iterable[TestCase]
) -> IntegrationSummary:
    """Match result cases to declared integration tests by pytest's JUnit naming
    (``classname`` is the dotted module, plus the class; ``name`` the function, plus
    parameters), and count outcomes; a case whose own names say integration counts too."""
    by_node = {test.node: test for test in declared}
    seen: set[str] = set()
    passed = failed = skipped = recognised = 0
    failures: list[str] = []
    executed = 0
    for case in cases:
        function = case.name.split("[", 1)[0]
        node = _match(f"{case.classname}.{function}", by_node)
        if node is None and not is_integration_name(*case.classname.split("."), function):
            continue
        if node is None:
            recognised += 1
        else:
            seen.add(node)
        executed += 1
        if case.outcome is Outcome.PASSED:
            passed += 1
        elif case.outcome is Outcome.SKIPPED:
            skipped += 1
        else:
            failed += 1
            failures.append(f"{case.classname}::{case.name}")
    return IntegrationSummary(
        declared=len(declared),
        executed=executed,
        passed=passed,
        failed=failed,
        skipped=skipped,
        not_run=tuple(sorted(set(by_node) - seen)),
        failures=tuple(sorted(failures)),
        recognised_in_results=recognised,
    )


def _match(key: str, by_node: dict[str, DeclaredTest]) -> str | None:
    """The declared node ``key`` names, allowing pytest's rootdir to sit above or below
    the project root (``app.tests.test_x.test_y`` or ``test_x.test_y``)."""
    if key in by_node:
        return key
    for node in by_node:
        if node.endswith("." + key) or key.endswith("." + node):
            return node
    return None
