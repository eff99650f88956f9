"""Theater detection: tests that cannot fail and shipped code that only pretends to work.

Pure functions of source text: one ``ast.parse`` per file, findings with rule ids. What a
file cannot tell alone (whether another module derives from one of its classes) comes in as
an argument: ``base_names`` of every file, collected by the caller that reads the tree.
"""

from __future__ import annotations

import ast
import builtins
import enum
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass

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


class Severity(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"
    """Reported for the reader, never counted as theater (a smoke test)."""


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    path: str
    line: int
    function: str
    """The test or function the finding is about ("" for a module-level comment)."""
    message: str
    owner: str = ""
    """The class the function is defined in ("" for a module-level function)."""


RULES: dict[str, tuple[Severity, str]] = {
    "TH-T001": (Severity.HIGH, "test checks nothing and cannot fail on a wrong result"),
    "TH-T002": (Severity.HIGH, "test asserts a tautology"),
    "TH-T003": (Severity.MEDIUM, "test is skipped unconditionally"),
    "TH-T004": (Severity.HIGH, "test asserts only on mocks standing in for the code under test"),
    "TH-T005": (Severity.HIGH, "test swallows every exception around the code under test"),
    "TH-T006": (Severity.INFO, "smoke test: passes unless the code raises; it checks no result"),
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
_SHOW_CALLS = {"print", "pprint", "pp"}
_LOG_LEVELS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
_BUILTIN_ERRORS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}
_FILLS = {"append", "appendleft", "add", "extend", "insert", "update", "setdefault"}
"""Methods that put something into a container: a container only filled is never read."""
_INERT = (
    ast.Constant,
    ast.Name,
    ast.Tuple,
    ast.List,
    ast.Set,
    ast.Dict,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.UnaryOp,
    ast.Starred,
    ast.expr_context,
    ast.unaryop,
)
"""Expressions that cannot raise: literals, names and what is built from them."""
_MOCK_FACTORIES = {"Mock", "MagicMock", "AsyncMock", "patch", "create_autospec", "mocker"}
_MOCK_ROOTS = {"mock", "mocker", "unittest", "patch"}
"""What ``patch`` must be called on to be a mock's: ``client.patch(...)`` is an HTTP PATCH."""
_MARKER = re.compile(r"#.*\b(TODO|FIXME|XXX)\b.*")
_MEASURE_NAME = re.compile(
    r"(^|_)(measure|compute|calculate|count|score|coverage|ratio|rate|percent|latency|"
    r"throughput|sigma|dpmo)(_|$)"
)
_OVERRIDDEN_CLASS = re.compile(r"^(Base|Abstract)(?=[A-Z_]|$)|(Base|Mixin|Interface|ABC)$")
_OVERRIDDEN_CLASS_DOC = re.compile(
    r"\b(base|abstract|interface|protocol|subclass(es|ed)?|overrid(e|den|ing))\b", re.IGNORECASE
)
_HOOK_DOC = re.compile(
    r"\b(does nothing|do nothing|no-?op|hook|subclass(es|ed)?|overrid(e|den|ing))\b", re.IGNORECASE
)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


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


def counted(severity: str) -> bool:
    """Whether a finding of this severity counts as theater (for the THEATER and PROD-001
    gates, Six Sigma defects and the exit status): every one but an info finding, which is
    a smoke test reported for the reader."""
    return severity != Severity.INFO


def analyse_shipped(
    source: str, path: str, tree: ast.Module | None = None, *, subclassed: Collection[str] = ()
) -> list[Finding]:
    """Stubs, leftover TODO markers and constant "measurements" in shipped code.

    ``subclassed``: names of classes that other modules derive from; their methods that only
    raise NotImplementedError or pass are hooks for the subclasses, not stubs.
    """
    tree = tree or ast.parse(source, filename=path)
    derived = set(subclassed) | base_names(tree)
    owners = {
        id(item): cls
        for cls in ast.walk(tree)
        if isinstance(cls, ast.ClassDef)
        for item in cls.body
    }
    findings: list[Finding] = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        cls = owners.get(id(node))
        owner = cls.name if cls else ""
        if _is_stub(node.body):
            if not (
                _meant_to_be_overridden(node, cls)
                or is_hook("TH-S001", owner, derived)
                or _deliberately_empty(node)
            ):
                findings.append(_finding("TH-S001", path, node, _stub_reason(node, owner), owner))
        elif _MEASURE_NAME.search(node.name) and _returns_only_constants(node):
            findings.append(
                _finding(
                    "TH-S003",
                    path,
                    node,
                    f"{node.name} returns a constant, not a measured value",
                    owner,
                )
            )
    # A line scan, not tokenize: tokenizing costs as much as parsing, and a marker inside a
    # string literal that also contains "#" is rare enough to accept. A note whose every
    # line starts with the marker ("# XXX: ..." continued on "# XXX: ...") is one marker.
    continued = False
    for number, line in enumerate(source.splitlines(), start=1):
        marker = _MARKER.search(line)
        follows, continued = continued, bool(marker) and line.lstrip().startswith("#")
        if marker and not (follows and continued):
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


def base_names(tree: ast.Module) -> set[str]:
    """Names of the classes this module derives from (``pkg.Base`` gives ``Base``).

    Names, not qualified names: a name shared by two classes exempts both, which costs a
    missed stub rather than a false one.
    """
    return {
        _name(base)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        for base in node.bases
    } - {""}


def is_hook(rule: str, owner: str, subclassed: Collection[str]) -> bool:
    """Whether a stub finding is about a method of a class something derives from: such a
    method is there for the subclasses to override, and the caller drops the finding."""
    return rule == "TH-S001" and bool(owner) and owner in subclassed


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


def _meant_to_be_overridden(
    func: ast.FunctionDef | ast.AsyncFunctionDef, cls: ast.ClassDef | None
) -> bool:
    """A method that says it is there to be overridden: abstract, in a class named or
    documented as a base, or a hook documented as doing nothing by default."""
    if {_name(d) for d in func.decorator_list} & {"abstractmethod", "overload"}:
        return True
    if cls is None:
        return False
    return bool(
        _OVERRIDDEN_CLASS.search(cls.name)
        or {_name(b) for b in cls.bases} & {"ABC", "Protocol"}
        or any(k.arg == "metaclass" and _name(k.value) == "ABCMeta" for k in cls.keywords)
        or _OVERRIDDEN_CLASS_DOC.search(ast.get_docstring(cls) or "")
        or _HOOK_DOC.search(ast.get_docstring(func) or "")
    )


def _deliberately_empty(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body that is empty on purpose: a special method (a no-op ``__exit__``, a read-only
    mapping's ``__setitem__`` refusing), or a callback a decorator registers, such as a
    ``@click.group()`` whose behaviour is its subcommands."""
    if func.name.startswith("__") and func.name.endswith("__"):
        return True
    registered = any(isinstance(d, ast.Call) for d in func.decorator_list)
    return registered and not any(isinstance(s, ast.Raise) for s in func.body)


def _stub_reason(func: ast.FunctionDef | ast.AsyncFunctionDef, owner: str) -> str:
    if not owner:
        return f"{func.name} only passes or raises NotImplementedError: callers get no behaviour"
    return (
        f"{owner}.{func.name} only passes or raises NotImplementedError, and nothing says it is "
        f"meant to be overridden (no subclass of {owner}, no abstract, base or hook marking)"
    )


def _unchecked(
    test: ast.FunctionDef | ast.AsyncFunctionDef, benchmarks: bool
) -> tuple[str, str] | None:
    """What a test without any assertion is: theater (TH-T001) when it cannot fail, or when
    its only look at a result is a print, a log or a record it never reads; otherwise a
    smoke test (TH-T006), which the code it calls fails by raising; nothing for a benchmark
    (it measures time) or an expected failure naming its exception."""
    marks = {_name(d) for d in test.decorator_list}
    if benchmarks or "benchmark" in marks or "benchmark" in {a.arg for a in test.args.args}:
        return None
    if any(
        _name(d) == "xfail"
        and isinstance(d, ast.Call)
        and any(k.arg == "raises" for k in d.keywords)
        for d in test.decorator_list
    ):
        return None
    reason = _cannot_fail(test)
    if reason:
        return "TH-T001", reason
    return (
        "TH-T006",
        "smoke test: no assertion, so it passes unless the code it runs raises; it checks "
        "no result",
    )


def _cannot_fail(test: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """Why a test without assertions is theater, or "": its body runs nothing that could
    raise, its only check is a print or log of a result, it fills a container it never
    reads, or it builds an exception without raising it."""
    if _inert_body(test.body):
        return (
            "it cannot fail: no assertion, and its body only passes, holds constants, "
            "assigns literals or prints them"
        )
    own = list(_own_nodes(test.body))
    results = {
        target.id
        for node in own
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
        and node.value is not None
        and not _inert(node.value)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Name)
    }
    if any(_shows_result(node, results) for node in own):
        return (
            "its only check is a print or a log of what the code returned: nothing compares "
            "it with an expected value, so a wrong result passes"
        )
    unread = _filled_never_read(test)
    if unread:
        return f"it records results in {unread} but never reads them, so a wrong result passes"
    built = next(
        (
            _name(node.value)
            for node in own
            if isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and _name(node.value) in _BUILTIN_ERRORS
        ),
        "",
    )
    if built:  # a builtin exception: constructing it is not the code under test
        return f"it builds {built} without raising it, so the check it meant can never fail"
    return ""


def _inert(expr: ast.AST) -> bool:
    return all(isinstance(n, _INERT) for n in ast.walk(expr))


def _inert_body(body: list[ast.stmt]) -> bool:
    """Statements that cannot raise: ``pass``, constants, literals assigned to names, prints
    of literals, and branches and loops over literals made of such statements."""
    pending = list(body)
    while pending:
        statement = pending.pop()
        if isinstance(statement, (ast.If, ast.While, ast.For)):
            head = statement.iter if isinstance(statement, ast.For) else statement.test
            if not _inert(head):
                return False
            pending += [*statement.body, *statement.orelse]
        elif not _inert_simple(statement):
            return False
    return True


def _inert_simple(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    if isinstance(statement, ast.Expr):
        value = statement.value
        if isinstance(value, ast.Call) and _is_show_call(value):
            return all(_inert(a) for a in (*value.args, *(k.value for k in value.keywords)))
        return _inert(value)
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        return all(isinstance(t, ast.Name) for t in targets) and (
            statement.value is None or _inert(statement.value)
        )
    return False


def _is_show_call(call: ast.Call) -> bool:
    """``print(...)``, ``pprint(...)``, ``logging.info(...)``, ``self.logger.debug(...)``."""
    parts = _dotted(call).split(".")
    if len(parts) == 1:
        return parts[0] in _SHOW_CALLS
    return parts[-1] in _LOG_LEVELS and any(
        p.lower().lstrip("_") in {"logging", "log"} or p.lower().endswith("logger")
        for p in parts[:-1]
    )


def _shows_result(node: ast.AST, results: set[str]) -> bool:
    """A print or log of a computed value (a call, an attribute, a name bound to a result),
    or one that runs on a condition about such a value: a look in place of a check."""

    def computed(expr: ast.AST) -> bool:
        return not _inert(expr) or any(
            isinstance(n, ast.Name) and n.id in results for n in ast.walk(expr)
        )

    if isinstance(node, ast.Call) and _is_show_call(node):
        return any(computed(a) for a in (*node.args, *(k.value for k in node.keywords)))
    if isinstance(node, ast.If) and computed(node.test):
        return any(
            isinstance(n, ast.Call) and _is_show_call(n)
            for s in (*node.body, *node.orelse)
            for n in _own_nodes([s])
        )
    return False


def _filled_never_read(test: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """A container the test creates and fills (itself or through a callback it defines or
    passes on) but never reads: results recorded for a check that was never written."""
    parents = {id(child): node for node in ast.walk(test) for child in ast.iter_child_nodes(node)}
    for statement in test.body:
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and (
                isinstance(statement.value, (ast.Dict, ast.List, ast.Set))
                or (
                    isinstance(statement.value, ast.Call)
                    and _name(statement.value) in {"dict", "list", "set"}
                    and not statement.value.args
                )
            )
        ):
            continue
        name = statement.targets[0].id
        uses = [
            parents.get(id(n))
            for n in ast.walk(test)
            if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
        ]
        filled = [
            use
            for use in uses
            if (isinstance(use, ast.Subscript) and isinstance(use.ctx, ast.Store))
            or (isinstance(use, ast.Attribute) and use.attr in _FILLS)
        ]
        if filled and len(filled) == len(uses):
            return name
    return ""


def _own_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """The nodes of a body, not descending into the functions and classes it defines."""
    for node in nodes:
        yield node
        if not isinstance(node, _DEFINITIONS):
            yield from _own_nodes(ast.iter_child_nodes(node))


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


def _finding(rule: str, path: str, node: ast.AST, message: str, owner: str = "") -> Finding:
    return Finding(
        rule,
        RULES[rule][0],
        path,
        getattr(node, "lineno", 1),
        getattr(node, "name", ""),
        message,
        owner,
    )


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


def _root(node: ast.AST) -> str:
    while isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""
