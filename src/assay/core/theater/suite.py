"""Theater in test suites: the tests pytest collects, and what each cannot check."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping

from assay.core.theater.mocks import _mock_names, _mocks_reach_real_code, _on_mock, _only_mentions
from assay.core.theater.model import Finding, _finding
from assay.core.theater.nodes import _is_check_call, _name
from assay.core.theater.unchecked import _unchecked

__all__ = ["analyse_tests"]


def analyse_tests(source: str, path: str, tree: ast.Module | None = None) -> list[Finding]:
    """Theater findings for every test pytest or unittest would collect (``tree``: parsed),
    and smoke tests (TH-T006, severity info: reported, never counted as theater)."""
    tree = tree or ast.parse(source, filename=path)
    helpers = {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not node.name.startswith("test")
    }
    benchmarks = any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
        and any(_name(n) == "benchmark" for n in ast.walk(node.value))
        for node in tree.body
    )
    findings: list[Finding] = []
    for test, owner in _collected_tests(tree.body, ""):
        findings += _test_findings(test, owner, path, helpers, benchmarks)
    return findings


def _collected_tests(
    body: list[ast.stmt], owner: str
) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
    """The tests pytest collects by default from a module or class body, with their class:
    ``test*`` functions that are not fixtures, in the module or in ``Test*`` classes without
    ``__init__`` or in unittest ``TestCase`` subclasses; never functions nested in functions."""
    test_cases: set[str] = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            fixture = any(_name(d) in {"fixture", "yield_fixture"} for d in node.decorator_list)
            if node.name.startswith("test") and not fixture:
                yield node, owner
        elif isinstance(node, ast.ClassDef):
            bases = {_name(b) for b in node.bases}
            if any(b.endswith("TestCase") or b in test_cases for b in bases):
                test_cases.add(node.name)
            elif not node.name.startswith("Test") or any(
                isinstance(item, ast.FunctionDef) and item.name == "__init__" for item in node.body
            ):
                continue
            yield from _collected_tests(node.body, node.name)


def _test_findings(
    test: ast.FunctionDef | ast.AsyncFunctionDef,
    owner: str,
    path: str,
    helpers: Mapping[str, ast.AST],
    benchmarks: bool,
) -> list[Finding]:
    def finding(rule: str, message: str) -> Finding:
        return _finding(rule, path, test, message, owner)

    if _unconditionally_skipped(test):
        return [finding("TH-T003", "skipped without a condition, so it never runs")]
    found: list[Finding] = []
    asserts = [n for n in ast.walk(test) if isinstance(n, ast.Assert)]
    checks = [n for n in ast.walk(test) if isinstance(n, ast.Call) and _is_check_call(n)]
    if any(isinstance(n, ast.Try) and _swallows(n, helpers) for n in ast.walk(test)):
        found.append(
            finding(
                "TH-T005",
                "a broad except that does nothing also catches the AssertionError of the "
                "checks it wraps, so they can never fail",
            )
        )
    if not asserts and not checks and not _calls_asserting_helper(test, helpers, set()):
        verdict = _unchecked(test, benchmarks)
        if verdict:
            found.append(finding(*verdict))
        return found
    tautologies = [a for a in asserts if _tautology(a.test)]
    if tautologies and len(tautologies) == len(asserts) and not checks:
        found.append(
            finding(
                "TH-T002",
                "every assertion holds whatever the code "
                "does (a constant, or a value compared with itself)",
            )
        )
        return found
    mocks = _mock_names(test)
    if (
        mocks
        and (asserts or checks)
        and all(_only_mentions(a.test, mocks) for a in asserts)
        and all(_on_mock(c, mocks) for c in checks)
        and not _mocks_reach_real_code(test, mocks)
    ):
        found.append(
            finding(
                "TH-T004",
                "every assertion is about a mock that only the test itself calls, "
                "so no real code is checked",
            )
        )
    return found


def _unconditionally_skipped(test: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in test.decorator_list:
        name = _name(decorator)
        if name == "skip" and (
            not isinstance(decorator, ast.Call)
            or not decorator.args
            or all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in decorator.args)
        ):
            return True
    first = [
        s for s in test.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    return (
        bool(first)
        and isinstance(first[0], ast.Expr)
        and isinstance(first[0].value, ast.Call)
        and _name(first[0].value) == "skip"
    )


def _calls_asserting_helper(node: ast.AST, helpers: Mapping[str, ast.AST], seen: set[str]) -> bool:
    """Whether ``node`` calls a module helper that asserts, followed through simple calls."""
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        name = _name(call)
        helper = helpers.get(name)
        if helper is None or name in seen:
            continue
        if any(
            isinstance(n, ast.Assert) or (isinstance(n, ast.Call) and _is_check_call(n))
            for n in ast.walk(helper)
        ):
            return True
        if _calls_asserting_helper(helper, helpers, seen | {name}):
            return True
    return False


def _swallows(block: ast.Try, helpers: Mapping[str, ast.AST]) -> bool:
    """A broad, silent ``except`` around checks: it catches their AssertionError. Without a
    check inside, the except is the behaviour under test (a deliberate ``raise`` handled
    before checking teardown, say) and the checks after it still count."""
    checked = any(
        isinstance(n, ast.Assert)
        or (isinstance(n, ast.Call) and _is_check_call(n))
        or _calls_asserting_helper(n, helpers, set())
        for statement in block.body
        for n in ast.walk(statement)
        if isinstance(n, (ast.Assert, ast.Call))
    )
    for handler in block.handlers:
        caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        broad = any(t is None or _name(t) in {"Exception", "BaseException"} for t in caught)
        silent = all(
            isinstance(s, ast.Pass)
            or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            for s in handler.body
        )
        if checked and broad and silent:
            return True
    return False


def _tautology(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
        return True  # a non-empty literal container is always true; an empty one never
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right = test.left, test.comparators[0]
        # Two calls build two values: ``C(1) == C(1)`` checks the generated __eq__.
        same = ast.dump(left) == ast.dump(right) and not any(
            isinstance(n, ast.Call) for n in ast.walk(left)
        )
        if same and isinstance(test.ops[0], (ast.Eq, ast.Is, ast.LtE, ast.GtE)):
            return True
        if all(isinstance(side, ast.Constant) for side in (left, right)):
            return True
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_tautology(v) for v in test.values)
    return False
