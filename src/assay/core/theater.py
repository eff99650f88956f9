"""Theater detection: tests that cannot fail and shipped code that only pretends to work.

Pure functions of source text: one ``ast.parse`` per file, findings with rule ids.
"""

from __future__ import annotations

import ast
import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["RULES", "Finding", "Severity", "analyse_shipped", "analyse_tests"]


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    line: int
    function: str
    """The test or function the finding is about ("" for a module-level comment)."""
    message: str


RULES: dict[str, tuple[Severity, str]] = {
    "TH-T001": (Severity.HIGH, "test asserts nothing"),
    "TH-T002": (Severity.HIGH, "test asserts a tautology"),
    "TH-T003": (Severity.MEDIUM, "test is skipped unconditionally"),
    "TH-T004": (Severity.HIGH, "test asserts only on mocks standing in for the code under test"),
    "TH-T005": (Severity.HIGH, "test swallows every exception around the code under test"),
    "TH-S001": (Severity.HIGH, "shipped function is a stub"),
    "TH-S002": (Severity.LOW, "TODO/FIXME/XXX left in shipped code"),
    "TH-S003": (Severity.MEDIUM, "function named for a measurement returns a constant"),
}

_ASSERT_CALLS = re.compile(r"^(assert|assert_\w+|assert[A-Z]\w*|fail\w*)$")
_RAISES = {
    "raises",
    "warns",
    "deprecated_call",
    "assertRaises",
    "assertRaisesRegex",
    "assertWarns",
    "assertLogs",
}
_MOCK_FACTORIES = {"Mock", "MagicMock", "AsyncMock", "patch", "create_autospec", "mocker"}
_MARKER = re.compile(r"#.*\b(TODO|FIXME|XXX)\b.*")
_MEASURE_NAME = re.compile(
    r"(^|_)(measure|compute|calculate|count|score|coverage|ratio|rate|percent|latency|"
    r"throughput|sigma|dpmo)(_|$)"
)


def analyse_tests(source: str, path: str, tree: ast.Module | None = None) -> list[Finding]:
    """Theater findings for every ``test_*`` function of a test module (``tree``: parsed)."""
    tree = tree or ast.parse(source, filename=path)
    helpers = {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and not node.name.startswith("test")
    }
    findings: list[Finding] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith(
            "test"
        ):
            findings += _test_findings(node, path, helpers)
    return findings


def analyse_shipped(source: str, path: str, tree: ast.Module | None = None) -> list[Finding]:
    """Stubs, leftover TODO markers and constant "measurements" in shipped code."""
    tree = tree or ast.parse(source, filename=path)
    findings: list[Finding] = []
    protocols = {
        id(item)
        for cls in ast.walk(tree)
        if isinstance(cls, ast.ClassDef) and any(_name(b) in {"Protocol", "ABC"} for b in cls.bases)
        for item in cls.body
    }
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        decorators = {_name(d) for d in node.decorator_list}
        exempt = decorators & {"abstractmethod", "overload"} or id(node) in protocols
        if not exempt and _is_stub(node.body):
            findings.append(
                _finding(
                    "TH-S001", path, node, "its body only passes or raises NotImplementedError"
                )
            )
        elif _MEASURE_NAME.search(node.name) and _returns_only_constants(node):
            findings.append(
                _finding(
                    "TH-S003", path, node, f"{node.name} returns a constant, not a measured value"
                )
            )
    # A line scan, not tokenize: tokenizing costs as much as parsing, and a marker inside a
    # string literal that also contains "#" is rare enough to accept.
    for number, line in enumerate(source.splitlines(), start=1):
        marker = _MARKER.search(line)
        if marker:
            findings.append(
                Finding(
                    "TH-S002",
                    RULES["TH-S002"][0],
                    path,
                    number,
                    "",
                    f"unfinished work marked in a comment: {marker.group(0).strip()[:80]}",
                )
            )
    return findings


def _test_findings(
    test: ast.FunctionDef | ast.AsyncFunctionDef, path: str, helpers: Mapping[str, ast.AST]
) -> list[Finding]:
    found: list[Finding] = []
    if _unconditionally_skipped(test):
        return [_finding("TH-T003", path, test, "skipped without a condition, so it never runs")]
    asserts = [n for n in ast.walk(test) if isinstance(n, ast.Assert)]
    checks = [n for n in ast.walk(test) if isinstance(n, ast.Call) and _is_check_call(n)]
    swallowing = [n for n in ast.walk(test) if isinstance(n, ast.Try) and _swallows(n)]
    if swallowing:
        found.append(
            _finding(
                "TH-T005",
                path,
                test,
                "a broad except that does nothing hides any failure of the code it wraps",
            )
        )
    if not asserts and not checks and not _calls_asserting_helper(test, helpers, set()):
        found.append(
            _finding(
                "TH-T001",
                path,
                test,
                "no assert, pytest.raises, assert_* call "
                "or asserting helper: it passes whatever the code does",
            )
        )
        return found
    tautologies = [a for a in asserts if _tautology(a.test)]
    if tautologies and len(tautologies) == len(asserts) and not checks:
        found.append(
            _finding(
                "TH-T002",
                path,
                test,
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
    ):
        found.append(
            _finding(
                "TH-T004",
                path,
                test,
                "every assertion is about a mock, so the real code is never checked",
            )
        )
    return found


def _finding(rule: str, path: str, node: ast.AST, message: str) -> Finding:
    return Finding(
        rule, RULES[rule][0], path, getattr(node, "lineno", 1), getattr(node, "name", ""), message
    )


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _is_stub(body: list[ast.stmt]) -> bool:
    statements = [
        s
        for s in body
        if not (
            isinstance(s, ast.Expr)
            and isinstance(s.value, ast.Constant)
            and isinstance(s.value.value, str)
        )
    ]
    if len(statements) != 1:
        return False
    only = statements[0]
    if isinstance(only, ast.Pass):
        return True
    if isinstance(only, ast.Expr) and isinstance(only.value, ast.Constant):
        return only.value.value is Ellipsis
    return (
        isinstance(only, ast.Raise)
        and only.exc is not None
        and _name(only.exc) == "NotImplementedError"
    )


def _returns_only_constants(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    returns = [n for n in ast.walk(func) if isinstance(n, ast.Return)]
    return bool(returns) and all(
        r.value is not None and isinstance(r.value, ast.Constant) and r.value.value is not None
        for r in returns
    )


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


def _is_check_call(call: ast.Call) -> bool:
    name = _name(call)
    return bool(_ASSERT_CALLS.match(name)) or name in _RAISES


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


def _swallows(block: ast.Try) -> bool:
    for handler in block.handlers:
        broad = handler.type is None or _name(handler.type) in {"Exception", "BaseException"}
        silent = all(
            isinstance(s, ast.Pass)
            or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            for s in handler.body
        )
        if broad and silent:
            return True
    return False


def _tautology(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
        return True  # a non-empty literal container is always true; an empty one never
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        left, right = test.left, test.comparators[0]
        same = ast.dump(left) == ast.dump(right)
        if same and isinstance(test.ops[0], (ast.Eq, ast.Is, ast.LtE, ast.GtE)):
            return True
        if all(isinstance(side, ast.Constant) for side in (left, right)):
            return True
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        return any(_tautology(v) for v in test.values)
    return False


def _mock_names(test: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(test):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and _name(node.value) in _MOCK_FACTORIES
        ):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if _name(item.context_expr) in _MOCK_FACTORIES | {"object"} and isinstance(
                    item.optional_vars, ast.Name
                ):
                    names.add(item.optional_vars.id)
    for decorator in test.decorator_list:
        if _name(decorator) in {"patch", "object"}:
            names |= {a.arg for a in test.args.args if a.arg.startswith("mock")}
    return names


def _only_mentions(expr: ast.expr, mocks: set[str]) -> bool:
    """Whether the assertion's subject (a comparison's left side) involves only mocks."""
    subject = expr.left if isinstance(expr, ast.Compare) else expr
    root = subject
    while isinstance(root, (ast.Call, ast.Attribute, ast.Subscript)):
        root = root.func if isinstance(root, ast.Call) else root.value
    if isinstance(root, ast.Name):  # mock(...), mock.attr, mock[...]: about the mock
        return root.id in mocks
    used = {n.id for n in ast.walk(subject) if isinstance(n, ast.Name)}
    return bool(used) and used <= mocks


def _on_mock(call: ast.Call, mocks: set[str]) -> bool:
    target = call.func.value if isinstance(call.func, ast.Attribute) else None
    while isinstance(target, ast.Attribute):
        target = target.value
    return isinstance(target, ast.Name) and target.id in mocks
