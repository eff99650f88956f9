"""The Power of Ten rules, adapted to Python: one walk over one parsed module, no I/O.

Each rule's adaptation and rationale is documented in docs/quality-rules.md.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping
from dataclasses import dataclass

__all__ = [
    "RULES",
    "Compliance",
    "FunctionFacts",
    "ModuleFacts",
    "Violation",
    "check_module",
    "compliance",
]

RULES: dict[str, str] = {
    "P10-01": "no recursion",
    "P10-02": "every loop has a visible bound or exit",
    "P10-03": "functions of at most 60 lines",
    "P10-04": "public functions validate their input or assert",
    "P10-05": "smallest scope: no global/nonlocal, no module-level mutable state",
    "P10-06": "results of calls that report errors are not ignored",
    "P10-07": "no eval, exec or dynamic imports",
}
MAX_LINES = 60
VALIDATION_FLOOR = 10
"""Public functions longer than this many lines must raise or assert somewhere."""

# The builtins that run code given as data; ``re.compile`` or ``ast.parse`` do not.
_DYNAMIC_BUILTINS = {"eval", "exec", "compile", "__import__", "builtins.eval", "builtins.exec"}
_DYNAMIC_IMPORT = "import_module"
# Calls whose result is how they report failure (a process's exit status)...
_PROCESS_CALLS = {"subprocess.run", "subprocess.call", "os.system", "os.popen"}
# ...and methods that change nothing and only return a new value.
_VALUE_METHODS = {
    "replace",
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "format",
    "join",
    "split",
    "removeprefix",
    "removesuffix",
    "with_suffix",
    "with_name",
}
# Module functions named like value methods that act and return nothing to check:
# ``os.replace(src, dst)`` renames a file (``str.replace`` needs its own receiver).
_ACTIONS = {"os.replace", "os.rename", "os.renames"}
_MUTABLE_CALLS = {"list", "dict", "set", "defaultdict", "OrderedDict", "Counter", "deque"}


@dataclass(frozen=True)
class Violation:
    rule: str
    path: str
    line: int
    function: str
    message: str


@dataclass(frozen=True)
class FunctionFacts:
    name: str
    line: int
    lines: int
    """Lines of code from the ``def`` to the last line, the docstring left out."""
    public: bool


@dataclass(frozen=True)
class ModuleFacts:
    path: str
    functions: tuple[FunctionFacts, ...]
    violations: tuple[Violation, ...]


@dataclass(frozen=True)
class Compliance:
    """Shares of functions that comply, or why there is no share to give."""

    per_rule: Mapping[str, float | None]
    """Share of functions with no violation of each rule; None when nothing was measured."""
    overall: float | None
    """Share of functions with no violation at all; None when nothing was measured."""
    unmeasured: str | None = None
    """Why there is no figure: no Python file, or no function in the files read."""


def compliance(
    files: int, functions: int, flagged: Mapping[str, Collection[tuple[str, str]]]
) -> Compliance:
    """Compliance of ``functions`` functions read from ``files`` files, given the
    (path, function) pairs each rule flagged. With no function there is no share: a tree
    with nothing to judge is unknown, never 100%."""
    if functions <= 0:
        why = (
            "no Python files to analyse"
            if files <= 0
            else f"no functions in the {files} Python file(s) analysed (tests are not counted)"
        )
        return Compliance(dict.fromkeys(RULES), None, why)
    # Module-level findings (no function named) have no function to mark as failing.
    marked = {rule: {k for k in keys if k[1]} for rule, keys in flagged.items()}
    per_rule: dict[str, float | None] = {
        rule: round(1 - len(marked.get(rule, set())) / functions, 4) for rule in RULES
    }
    bad = {k for keys in marked.values() for k in keys}
    return Compliance(per_rule, round(1 - len(bad) / functions, 4))


def check_module(tree: ast.Module, path: str) -> ModuleFacts:
    """Facts and violations of one parsed module."""
    functions: list[FunctionFacts] = []
    violations: list[Violation] = []
    for statement in tree.body:
        _module_level(statement, path, violations)
    for node, qualified in _functions(tree):
        lines = _code_lines(node)
        public = not node.name.startswith("_")
        functions.append(FunctionFacts(qualified, node.lineno, lines, public))
        violations += _function_violations(node, qualified, lines, public, path)
    return ModuleFacts(path, tuple(functions), tuple(violations))


def _code_lines(func: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the ``def`` to the last line, less the docstring: documentation is not
    code to bound (requests' ``api.get`` is one statement under a 9-line docstring)."""
    lines = (func.end_lineno or func.lineno) - func.lineno + 1
    first = func.body[0]
    if (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        lines -= (first.end_lineno or first.lineno) - first.lineno + 1
    return lines


def _functions(tree: ast.Module) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]:
    found: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]] = []
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = f"{prefix}{child.name}"
                found.append((child, name))
                stack.append((child, f"{name}."))
            elif isinstance(child, ast.ClassDef):
                stack.append((child, f"{prefix}{child.name}."))
            elif not isinstance(child, ast.expr):
                stack.append((child, prefix))
    return sorted(found, key=lambda item: item[0].lineno)


def _function_violations(
    func: ast.FunctionDef | ast.AsyncFunctionDef, name: str, lines: int, public: bool, path: str
) -> list[Violation]:
    found: list[Violation] = []

    def add(rule: str, node: ast.AST, message: str) -> None:
        found.append(Violation(rule, path, getattr(node, "lineno", func.lineno), name, message))

    if lines > MAX_LINES:
        add("P10-03", func, f"{lines} lines (at most {MAX_LINES})")
    validates = False
    for node in _own_nodes(func):
        if isinstance(node, (ast.Raise, ast.Assert)):
            validates = True
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            kind = "global" if isinstance(node, ast.Global) else "nonlocal"
            add("P10-05", node, f"{kind} {', '.join(node.names)} widens the scope of state")
        elif isinstance(node, ast.While) and _unbounded(node):
            add(
                "P10-02", node, "while loop with a constant condition and no break, return or raise"
            )
        elif isinstance(node, ast.Call):
            callee = _callee(node)
            if callee == func.name or callee == f"self.{func.name}":
                add("P10-01", node, f"{func.name} calls itself")
            if callee in _DYNAMIC_BUILTINS or callee.rsplit(".", 1)[-1] == _DYNAMIC_IMPORT:
                add("P10-07", node, f"{callee}() runs or imports code chosen at run time")
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            callee = _callee(node.value)
            checked = any(k.arg == "check" for k in node.value.keywords)
            if (callee in _PROCESS_CALLS and not checked) or _drops_value(callee, node.value):
                add("P10-06", node, f"the result of {callee}() is ignored")
    if public and lines > VALIDATION_FLOOR and not validates:
        add("P10-04", func, f"public, {lines} lines, and never raises or asserts on bad input")
    return found


def _own_nodes(func: ast.AST) -> list[ast.AST]:
    """Nodes of ``func`` excluding nested functions and classes (they are checked alone)."""
    nodes: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        nodes.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return nodes


def _unbounded(loop: ast.While) -> bool:
    constant = isinstance(loop.test, ast.Constant) and bool(loop.test.value)
    if not constant:
        return False
    for node in _own_nodes(loop):
        if isinstance(node, (ast.Break, ast.Return, ast.Raise)):
            return False
    return True


def _drops_value(callee: str, call: ast.Call) -> bool:
    """Whether a bare call statement drops the only thing its method does: return a value."""
    method = callee.rsplit(".", 1)[-1]
    if "." not in callee or method not in _VALUE_METHODS or callee in _ACTIONS:
        return False
    # One argument: ``Path.replace(target)`` renames the file; ``str.replace`` needs two.
    return not (method == "replace" and len(call.args) + len(call.keywords) < 2)


def _callee(call: ast.Call) -> str:
    """The dotted name called: ``self.save``, ``os.replace``; a call on the result of a
    call keeps it, so ``super().__init__`` is not ``__init__`` calling itself."""
    parts: list[str] = []
    target: ast.expr = call.func
    while isinstance(target, ast.Attribute):
        parts.append(target.attr)
        target = target.value
    if isinstance(target, ast.Name):
        parts.append(target.id)
    elif isinstance(target, ast.Call) and parts:
        parts.append(f"{_callee(target)}()")
    return ".".join(reversed(parts))


def _module_level(statement: ast.stmt, path: str, violations: list[Violation]) -> None:
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
        return
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    value = statement.value
    mutable = isinstance(
        value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
    ) or (isinstance(value, ast.Call) and _callee(value).rsplit(".", 1)[-1] in _MUTABLE_CALLS)
    # UPPER_CASE names are constants by convention (lookup tables); __all__ is a declaration.
    variables = [
        n for n in names if not n.isupper() and not (n.startswith("__") and n.endswith("__"))
    ]
    if mutable and variables:
        violations.append(
            Violation(
                "P10-05",
                path,
                statement.lineno,
                "",
                f"module-level mutable state {', '.join(variables)}",
            )
        )
