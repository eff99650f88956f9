"""Tests that assert only on mocks: which names are mocks, and whether real code runs."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from assay.core.theater.nodes import _DEFINITIONS, _dotted, _is_check_call, _name, _root

_MOCK_FACTORIES = {"Mock", "MagicMock", "AsyncMock", "patch", "create_autospec", "mocker"}
_MOCK_ROOTS = {"mock", "mocker", "unittest", "patch"}
"""What ``patch`` must be called on to be a mock's: ``client.patch(...)`` is an HTTP PATCH."""


def _mock_names(test: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(test):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and _is_mock_factory(node.value)
        ):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        if isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if (
                    _is_mock_factory(item.context_expr) or _name(item.context_expr) == "object"
                ) and isinstance(item.optional_vars, ast.Name):
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


def _mocks_reach_real_code(test: ast.FunctionDef | ast.AsyncFunctionDef, mocks: set[str]) -> bool:
    """Whether real code runs with the mocks in place, so that what the mocks record was
    computed by it: a call of something other than a mock, outside the assertions and the
    mocks' own set-up, that is handed a mock or runs while ``patch`` is active."""
    patched = any(_is_patch(d) for d in test.decorator_list) or any(
        isinstance(n, ast.Call) and _is_patch(n) for n in ast.walk(test)
    )
    for call in _real_calls(test.body, mocks):
        handed = {
            n.id
            for a in (*call.args, *call.keywords)
            for n in ast.walk(a)
            if isinstance(n, ast.Name)
        }
        if patched or handed & mocks:
            return True
    return False


def _real_calls(nodes: Iterable[ast.AST], mocks: set[str]) -> Iterator[ast.Call]:
    for node in nodes:
        if isinstance(node, (ast.Assert, *_DEFINITIONS)) or (
            isinstance(node, ast.Assign) and all(_root(t) in mocks for t in node.targets)
        ):
            continue  # checks, nested definitions, and configuring a mock
        if isinstance(node, ast.Call) and (
            _root(node.func) in mocks
            or _is_mock_factory(node)
            or _is_patch(node)
            or _is_check_call(node)
        ):
            continue  # a mock's own call: its arguments are the test's inputs
        if isinstance(node, ast.Call):
            yield node
        yield from _real_calls(ast.iter_child_nodes(node), mocks)


def _is_patch(node: ast.AST) -> bool:
    """``mock.patch(...)``, ``patch.object``, ``mocker.patch``, ``monkeypatch.setattr``..."""
    parts = _dotted(node).split(".")
    return ("patch" in parts and parts[0] in _MOCK_ROOTS) or parts[0] == "monkeypatch"


def _is_mock_factory(node: ast.AST) -> bool:
    """``Mock()``, ``mock.MagicMock()``, ``mocker.patch(...)``; not ``client.patch(...)``."""
    name = _name(node)
    root = _dotted(node).split(".")[0]
    return name in _MOCK_FACTORIES and (root == name or root in _MOCK_ROOTS)
