"""Theater in shipped code: stubs, leftover TODO markers, constant "measurements"."""

from __future__ import annotations

import ast
import re
from collections.abc import Collection

from assay.core.theater.model import RULES, Finding, _finding
from assay.core.theater.nodes import _name

__all__ = ["analyse_shipped", "base_names", "is_hook"]

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
