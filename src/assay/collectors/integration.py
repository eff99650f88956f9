"""Integration tests in a project's test sources: by marker, folder or name (read with ast)."""

from __future__ import annotations

import ast
from pathlib import Path

from assay.collectors._files import relative_path, walk_files
from assay.core.integration import (
    INTEGRATION_FOLDERS,
    INTEGRATION_MARKERS,
    DeclaredTest,
    is_integration_name,
)

__all__ = ["find_integration_tests"]


def find_integration_tests(root: Path) -> list[DeclaredTest]:
    """Test functions that are integration tests, in test-file order."""
    found: list[DeclaredTest] = []
    for path in walk_files(root, (".py",)):
        if not (path.name.startswith("test_") or path.name.endswith("_test.py")):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (SyntaxError, ValueError, MemoryError, RecursionError):  # the last two: nesting
            continue
        relative = relative_path(path, root)
        module = relative.removesuffix(".py").replace("/", ".")
        folders = Path(relative).parts[:-1]
        in_folder = any(part in INTEGRATION_FOLDERS for part in folders)
        file_named = is_integration_name(path.stem)
        module_marked = _marked(_pytestmark(tree.body))
        for node, owner in _tests(tree):
            reasons = []
            class_marked = owner is not None and (
                _marked(owner.decorator_list) or _marked(_pytestmark(owner.body))
            )
            if module_marked or class_marked or _marked(node.decorator_list):
                reasons.append("marker")
            if in_folder:
                reasons.append("folder")
            names = (node.name, owner.name) if owner else (node.name,)
            if file_named or is_integration_name(*names):
                reasons.append("name")
            if reasons:
                name = f"{owner.name}.{node.name}" if owner else node.name
                where = f"{relative}:{node.lineno}"
                found.append(DeclaredTest(module, name, tuple(reasons), where))
    return found


def _tests(
    tree: ast.Module,
) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef | None]]:
    tests: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef | None]] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            tests.append((node, None))
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    item.name.startswith("test")
                ):
                    tests.append((item, node))
    return tests


def _pytestmark(body: list[ast.stmt]) -> list[ast.expr]:
    """The value of ``pytestmark = ...`` in a module or class body, as a list of marks."""
    for statement in body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets
        ):
            value = statement.value
            return list(value.elts) if isinstance(value, ast.List | ast.Tuple) else [value]
    return []


def _marked(marks: list[ast.expr]) -> bool:
    """Any of ``pytest.mark.integration`` / ``mark.integration`` / ``...integration(...)``."""
    for mark in marks:
        target = mark.func if isinstance(mark, ast.Call) else mark
        if (
            isinstance(target, ast.Attribute)
            and target.attr in INTEGRATION_MARKERS
            and isinstance(target.value, ast.Attribute | ast.Name)
            and (target.value.attr if isinstance(target.value, ast.Attribute) else target.value.id)
            == "mark"
        ):
            return True
    return False
