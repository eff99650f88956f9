"""Parse-time checks of Go ``text/template`` text, as Prometheus alert templates use it.

Prometheus parses every alert label and annotation as a Go template before it loads a rule
file, so a typo there makes ``promtool check rules`` fail. No maintained Python package
parses Go templates, so this module checks what the Go parser rejects: unclosed actions,
unbalanced control structures, empty commands, unknown functions and undefined variables.
It does not evaluate anything.
"""

from __future__ import annotations

import re

__all__ = ["PROMETHEUS_FUNCTIONS", "template_errors"]

GO_BUILTINS = frozenset(
    [
        "and",
        "call",
        "html",
        "index",
        "slice",
        "js",
        "len",
        "not",
        "or",
        "print",
        "printf",
        "println",
        "urlquery",
        "eq",
        "ge",
        "gt",
        "le",
        "lt",
        "ne",
    ]
)
PROMETHEUS_FUNCTIONS = GO_BUILTINS | frozenset(
    [
        "query",
        "first",
        "label",
        "value",
        "strvalue",
        "args",
        "reReplaceAll",
        "safeHtml",
        "match",
        "title",
        "toUpper",
        "toLower",
        "graphLink",
        "tableLink",
        "sortByLabel",
        "humanize",
        "humanize1024",
        "humanizeDuration",
        "humanizePercentage",
        "humanizeTimestamp",
        "toTime",
        "pathPrefix",
        "externalURL",
        "parseDuration",
        "stripPort",
        "stripDomain",
    ]
)
PROMETHEUS_VARIABLES = frozenset({"$", "$labels", "$externalLabels", "$externalURL", "$value"})

_OPENERS = {"if", "range", "with", "define", "block"}
_LITERALS = {"nil", "true", "false"}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\\n]|\\.)*"|`[^`]*`|'(?:[^'\\\n]|\\.)+')
    | (?P<number>[-+]?(?:0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+))
    | (?P<variable>\$[A-Za-z0-9_]*)(?P<vfields>(?:\.[A-Za-z0-9_]+)*)
    | (?P<field>(?:\.[A-Za-z0-9_]+)+|\.)
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)(?P<ifields>(?:\.[A-Za-z0-9_]+)*)
    | (?P<declare>:?=)
    | (?P<punct>[|(),])
    )""",
    re.VERBOSE,
)


def template_errors(
    text: str,
    functions: frozenset[str] = PROMETHEUS_FUNCTIONS,
    variables: frozenset[str] = PROMETHEUS_VARIABLES,
) -> list[str]:
    """The first parse error of ``text`` as a Go template (an empty list when it parses)."""
    known = set(variables)
    stack: list[str] = []
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            return ["unclosed action"]
        body = text[start + 2 : end]
        position = end + 2
        body = body[1:] if body.startswith("-") and body[1:2].isspace() else body
        body = body[:-1] if body.endswith("-") and body[-2:-1].isspace() else body
        stripped = body.strip()
        if stripped.startswith("/*"):
            if not stripped.endswith("*/"):
                return ["unclosed comment"]
            continue
        problem = _action(stripped, stack, known, functions)
        if problem:
            return [problem]
    if stack:
        return [f"unexpected EOF: {{{{{stack[-1]}}}}} has no {{{{end}}}}"]
    return []


def _action(body: str, stack: list[str], known: set[str], functions: frozenset[str]) -> str | None:
    tokens = _tokens(body)
    if isinstance(tokens, str):
        return tokens
    if not tokens:
        return "missing value for command"
    kind, word = tokens[0]
    if kind == "ident" and word in _OPENERS:
        stack.append(word)
        if word in ("define", "block") and (len(tokens) < 2 or tokens[1][0] != "string"):
            return f"{word} needs a quoted template name"
        rest = tokens[2:] if word in ("define", "block") else tokens[1:]
        if word == "define":
            return None
        return _pipeline(rest, known, functions, word)
    if kind == "ident" and word == "end":
        if len(tokens) > 1:
            return "unexpected tokens after {{end}}"
        if not stack:
            return "unexpected {{end}}"
        stack.pop()
        return None
    if kind == "ident" and word == "else":
        if not stack or stack[-1] not in ("if", "range", "with"):
            return "unexpected {{else}}"
        if len(tokens) > 1 and tokens[1] == ("ident", "if"):
            return _pipeline(tokens[2:], known, functions, "else if")
        if len(tokens) > 1 and tokens[1] == ("ident", "with"):
            return _pipeline(tokens[2:], known, functions, "else with")
        return "unexpected tokens after {{else}}" if len(tokens) > 1 else None
    if kind == "ident" and word in ("break", "continue"):
        return None if "range" in stack else f"{{{{{word}}}}} outside {{{{range}}}}"
    if kind == "ident" and word == "template":
        if len(tokens) < 2 or tokens[1][0] != "string":
            return "template needs a quoted template name"
        return _pipeline(tokens[2:], known, functions, None) if len(tokens) > 2 else None
    return _pipeline(tokens, known, functions, None)


def _pipeline(
    tokens: list[tuple[str, str]], known: set[str], functions: frozenset[str], keyword: str | None
) -> str | None:
    # Declarations: `$x :=` or, in range, `$i, $x :=`.
    declared: list[str] = []
    if len(tokens) >= 2 and tokens[0][0] == "variable" and tokens[1][0] == "declare":
        declared, tokens = [tokens[0][1]], tokens[2:]
    elif (
        len(tokens) >= 4
        and tokens[0][0] == "variable"
        and tokens[1] == ("punct", ",")
        and tokens[2][0] == "variable"
        and tokens[3][0] == "declare"
    ):
        declared, tokens = [tokens[0][1], tokens[2][1]], tokens[4:]
    if not tokens:
        return f"missing value for {keyword or 'command'}"
    depth = 0
    expect_command = True
    for kind, word in tokens:
        if kind == "punct" and word == "(":
            depth += 1
            expect_command = True
            continue
        if kind == "punct" and word == ")":
            depth -= 1
            if depth < 0:
                return "unexpected right paren"
            continue
        if kind == "punct" and word == "|":
            if expect_command:
                return "missing value for command"
            expect_command = True
            continue
        if kind == "punct" or kind == "declare":
            return f"unexpected {word!r} in command"
        expect_command = False
        if kind == "variable" and word not in known:
            return f'undefined variable "{word}"'
        if kind == "ident" and word not in functions and word not in _LITERALS:
            return f'function "{word}" not defined'
    if depth:
        return "unclosed left paren"
    if expect_command:
        return "missing value for command"
    known.update(declared)
    return None


def _tokens(body: str) -> list[tuple[str, str]] | str:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(body):
        if body[position:].strip() == "":
            break
        match = _TOKEN.match(body, position)
        if not match or match.end() == position:
            return f"unexpected {body[position:].strip()[:1]!r} in command"
        kind = match.lastgroup or ""
        if kind in ("vfields", "ifields"):
            kind = "variable" if match.group("variable") else "ident"
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens
