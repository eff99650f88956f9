"""Documentation facts that need no I/O: docstring coverage of a module's public API."""

from __future__ import annotations

import ast
from dataclasses import dataclass

__all__ = ["DocstringCount", "count_docstrings"]


@dataclass(frozen=True)
class DocstringCount:
    """Public objects of one module and which of them have a docstring."""

    path: str
    documented: int
    total: int
    missing: tuple[str, ...]
    """``module``, ``Class`` or ``Class.method`` names without a docstring."""


def count_docstrings(tree: ast.Module, path: str) -> DocstringCount:
    """The module itself, and every public class, function and method in it.

    Public means no leading underscore in the name or in any enclosing class; dunder
    methods are left out (a class's docstring documents its construction).
    """
    missing: list[str] = []
    total = 1
    if ast.get_docstring(tree) is None:
        missing.append("module")
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            name = child.name
            if name.startswith("_"):
                continue
            qualified = f"{prefix}{name}"
            total += 1
            if ast.get_docstring(child) is None:
                missing.append(qualified)
            if isinstance(child, ast.ClassDef):
                stack.append((child, f"{qualified}."))
    return DocstringCount(path, total - len(missing), total, tuple(sorted(missing)))
