"""Tests without assertions: theater when they cannot fail, smoke tests otherwise."""

from __future__ import annotations

import ast
import builtins

from assay.core.theater.nodes import _dotted, _name, _own_nodes

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
