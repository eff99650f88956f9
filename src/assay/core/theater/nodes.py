"""Reading the syntax tree: names of calls and classes, a body's own nodes, checks."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator

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
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        return _name(node.func)
    if isinstance(node, ast.Subscript):  # Protocol[T], Generic[T]
        return _name(node.value)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _dotted(node: ast.AST) -> str:
    """``mock.patch.object(...)`` gives ``mock.patch.object``."""
    if isinstance(node, ast.Call):
        return _dotted(node.func)
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return node.id if isinstance(node, ast.Name) else ""


def _root(node: ast.AST) -> str:
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _own_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """The nodes of a body, not descending into the functions and classes it defines."""
    for node in nodes:
        yield node
        if not isinstance(node, _DEFINITIONS):
            yield from _own_nodes(ast.iter_child_nodes(node))


def _is_check_call(call: ast.Call) -> bool:
    name = _name(call)
    return bool(_ASSERT_CALLS.match(name)) or name in _RAISES
