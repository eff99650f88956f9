"""Limits on input that the parsers Assay relies on do not enforce themselves.

Python's ``tomllib`` takes time quadratic in the number of parts of a dotted key
(``a.b.c = 1``): a key of 36,000 parts, 72 KB, takes half a minute, and a lock file or an
assay.toml is outside input. No real file has a key of more than a handful of parts.
"""

from __future__ import annotations

import re

__all__ = ["MAX_TOML_KEY_PARTS", "toml_key_depth"]

MAX_TOML_KEY_PARTS = 128
"""The most parts a dotted TOML key may have (``[tool.poetry.group.dev.dependencies]``
has five)."""

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\\n]|\\.)*"?')  # the alternatives never overlap: linear
_LITERAL = re.compile(r"'[^'\n]*'?")


def toml_key_depth(text: str) -> int:
    """The most parts of a dotted key in ``text`` (``a."b".c``: 3), by one linear scan.

    Strings are single parts (a URL's dots do not count); numbers count as keys would
    (``1.5`` is two parts), which only makes the figure larger than the real one.
    """
    deepest = parts = 0
    dotted = False
    index, end = 0, len(text)
    while index < end:
        char = text[index]
        if char in "\"'":
            index = _string_end(text, index)
        elif bare := _BARE.match(text, index):
            index = bare.end()
        else:
            if char == ".":
                dotted = parts > 0
            elif char not in " \t":
                parts, dotted = 0, False
            index += 1
            continue
        parts = parts + 1 if dotted else 1
        dotted = False
        deepest = max(deepest, parts)
    return deepest


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    if text.startswith(quote * 3, start):
        close = text.find(quote * 3, start + 3)
        return len(text) if close < 0 else close + 3
    pattern = _BASIC if quote == '"' else _LITERAL
    found = pattern.match(text, start)
    return found.end() if found else start + 1
