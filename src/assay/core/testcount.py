"""Tests that pytest would collect from a module, counted from its syntax tree.

Used when no test run exists (dependencies not installed, no JUnit results): a claim of
"132 tests" can still be checked against the tree. pytest's own defaults decide what is a
test: module-level functions named ``test*``, and ``test*`` methods of classes named
``Test*`` that have no ``__init__``, or of ``unittest.TestCase`` subclasses. Fixtures and
functions nested inside other functions are not tests. A ``@pytest.mark.parametrize`` with
a literal list of values multiplies the cases; one whose values are computed makes the
case count inexact.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

__all__ = [
    "TestCount",
    "count_benchmarks_in",
    "count_tests",
    "count_tests_in",
    "is_collected_test_file",
    "is_test_file",
]


@dataclass(frozen=True)
class TestCount:
    functions: int = 0
    """Test functions and methods."""
    cases: int = 0
    """Test cases once parametrisation is expanded."""
    exact: bool = True
    """False when some parametrisation's values are known only at run time."""

    def __add__(self, other: TestCount) -> TestCount:
        return TestCount(
            self.functions + other.functions, self.cases + other.cases, self.exact and other.exact
        )


def is_collected_test_file(name: str) -> bool:
    """pytest's default ``python_files``: ``test_*.py`` and ``*_test.py``."""
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


_GO_TEST = re.compile(r"^func\s+(?:Test|Fuzz)(?!Main\b)[A-Z_]\w*\s*\(", re.M)
_JS_TEST = re.compile(
    r"(?<![\w.$])(?:it|test)(?:\.(?:only|concurrent|each\s*\([^)]*\)))?\s*\(\s*['\"`]"
)
_JS_SUFFIXES = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs")


def is_test_file(path: str) -> bool:
    """A file of tests as its language's runner finds them: pytest's ``test_*.py``, Go's
    ``*_test.go``, Jest's and Vitest's ``*.test.ts`` / ``*.spec.js`` / ``__tests__/``."""
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".py"):
        return is_collected_test_file(name)
    if name.endswith("_test.go"):
        return True
    if name.endswith(_JS_SUFFIXES):
        return ".test." in name or ".spec." in name or "/__tests__/" in f"/{path}"
    return False


_GO_BENCH = re.compile(r"^func\s+Benchmark\w*\s*\(", re.M)
_PY_BENCH = re.compile(r"^\s*(?:async\s+)?def\s+test\w*\s*\([^)]*\bbenchmark\b", re.M)


def count_benchmarks_in(path: str, source: str) -> int:
    """Benchmarks: Go's ``func Benchmark*``, pytest-benchmark tests (a ``benchmark``
    argument)."""
    if path.endswith(".go"):
        return len(_GO_BENCH.findall(source))
    if path.endswith(".py"):
        return len(_PY_BENCH.findall(source))
    return 0


def count_tests_in(path: str, source: str) -> TestCount:
    """The tests of one test file in Python, Go, JavaScript or TypeScript. Go counts
    top-level ``func Test*`` (subtests run inside them); JavaScript counts ``it(`` and
    ``test(`` calls, each one case."""
    if path.endswith(".py"):
        return count_tests(source)
    if path.endswith(".go"):
        found = len(_GO_TEST.findall(source))
    elif path.endswith(_JS_SUFFIXES):
        found = len(_JS_TEST.findall(source))
    else:
        return TestCount()
    return TestCount(found, found, True)


def count_tests(source: str) -> TestCount:
    """The tests of one module; a module that does not parse holds none."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):  # the last two: nesting
        return TestCount()
    total = TestCount()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _is_test(node):
            total += _cases(node)
        elif isinstance(node, ast.ClassDef) and _collects(node):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and _is_test(item):
                    total += _cases(item, _class_parametrize(node))
    return total


def _is_test(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return func.name.startswith("test") and not any(
        "fixture" in _dotted(d.func if isinstance(d, ast.Call) else d) for d in func.decorator_list
    )


def _collects(cls: ast.ClassDef) -> bool:
    bases = {_dotted(b).rsplit(".", 1)[-1] for b in cls.bases}
    if bases & {"TestCase", "IsolatedAsyncioTestCase", "AsyncTestCase"}:
        return True
    has_init = any(isinstance(i, ast.FunctionDef) and i.name == "__init__" for i in cls.body)
    return cls.name.startswith("Test") and not has_init


def _class_parametrize(cls: ast.ClassDef) -> TestCount:
    return _multiplier(cls.decorator_list)


def _cases(
    func: ast.FunctionDef | ast.AsyncFunctionDef, outer: TestCount | None = None
) -> TestCount:
    own = _multiplier(func.decorator_list)
    factor = own.cases * (outer.cases if outer else 1)
    exact = own.exact and (outer.exact if outer else True)
    return TestCount(1, factor, exact)


def _multiplier(decorators: list[ast.expr]) -> TestCount:
    """How many cases the parametrize decorators make (cases), and whether that is known."""
    cases, exact = 1, True
    for decorator in decorators:
        if not (
            isinstance(decorator, ast.Call) and _dotted(decorator.func).endswith("parametrize")
        ):
            continue
        values = decorator.args[1] if len(decorator.args) > 1 else None
        for keyword in decorator.keywords:
            if keyword.arg == "argvalues":
                values = keyword.value
        if isinstance(values, ast.List | ast.Tuple | ast.Set):
            cases *= len(values.elts)
        else:
            exact = False
    return TestCount(1, cases, exact)


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""
