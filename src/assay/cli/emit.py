"""Plain lines and JSON for standard output, without Rich: lines fit the width (80 columns
when standard output is not a terminal, unless COLUMNS says otherwise) and never break a
word, so ids and paths stay whole; JSON is strict, indented, with sorted keys."""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

__all__ = ["PLAIN_WIDTH", "json_text", "output_width", "plain_data", "record", "say"]

PLAIN_WIDTH = 80
"""The width of output that is not for a terminal: a file, a pipe, a CI log."""


def output_width() -> int:
    """The terminal's width; when standard output is not a terminal, 80 columns, unless
    ``COLUMNS`` says otherwise."""
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    try:
        columns = int(os.environ.get("COLUMNS", PLAIN_WIDTH))
    except ValueError:
        columns = PLAIN_WIDTH
    return max(20, columns)


def say(text: str = "", *, hang: str | None = None) -> None:
    """Print ``text`` to standard output, each line wrapped at the width between words
    (a word longer than the width stays whole), continued ``hang`` (default: the line's
    indentation and two spaces) further in."""
    width = output_width()
    for line in text.split("\n"):
        if len(line) <= width:
            print(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        wrapped = textwrap.wrap(
            line.lstrip(),
            width,
            initial_indent=indent,
            subsequent_indent=indent + "  " if hang is None else hang,
            break_long_words=False,
            break_on_hyphens=False,
        )
        print("\n".join(wrapped))


def record(head: str, details: Sequence[tuple[str, str]]) -> None:
    """One item of a listing: a head line (its id first), then a line per detail, labels
    aligned, values wrapped under their start."""
    say(head)
    width = max((len(label) for label, _ in details), default=0)
    for label, value in details:
        say(f"  {label:<{width}}  {value}", hang=" " * (width + 4))


def plain_data(value: Any) -> Any:
    """``value`` as JSON types: dataclasses as objects, datetimes and dates in ISO 8601,
    paths as strings, enumerations as their values, tuples and sets as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain_data(v) for v in value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def json_text(value: Any) -> str:
    """``value`` as strict JSON (no NaN or Infinity), indented, keys sorted, one final
    newline."""
    return json.dumps(plain_data(value), indent=2, sort_keys=True, allow_nan=False) + "\n"
