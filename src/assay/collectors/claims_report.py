"""Completion reports read with a real Markdown parser (markdown-it-py) into text segments."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from assay.core.claims import Segment
from assay.errors import InventoryError

__all__ = ["MAX_REPORT_BYTES", "ReportText", "read_report"]

MAX_REPORT_BYTES = 2_000_000
"""A completion report is a page or a few; anything larger is not one."""
_ACHIEVED = re.compile(
    r"(?i)^(achieved|actual|result|results|measured|current|value|now|after|final|"
    r"new|today|end|achieved value|actual value|current value|after value)$"
)
_TARGET = re.compile(
    r"(?i)^(target|goal|expected|required|threshold|plan(?:ned)?|baseline|before|previous|"
    r"initial|old|start|was|change|delta|diff|difference|improvement|gain|increase|trend|"
    r"target value|min(?:imum)?|max(?:imum)?)$"
)
_CHECKBOX = re.compile(r"^\[( |x|X)\]\s")


@dataclass(frozen=True)
class ReportText:
    path: str
    segments: tuple[Segment, ...]
    checked: int
    """Task-list items ticked (``- [x]``)."""
    unchecked: int
    checklists: tuple[tuple[int, int, int], ...] = ()
    """Each list holding task items: its first line, items ticked, items not ticked."""

    def checklist_after(self, line: int) -> tuple[int, int] | None:
        """Ticked and unticked items of a checklist that starts on one of the two lines
        after ``line`` (the line that introduces it), if there is one."""
        for start, ticked, open_ in self.checklists:
            if line < start <= line + 2:
                return ticked, open_
        return None


def read_report(path: Path) -> ReportText:
    """Segments of a Markdown report; clear errors for binary, huge or non-UTF-8 files."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise InventoryError(f"no such report: {path}", hint="pass a Markdown file") from exc
    if path.is_dir():
        raise InventoryError(f"{path} is a folder", hint="pass a Markdown report file")
    if size > MAX_REPORT_BYTES:
        raise InventoryError(
            f"{path} is {size / 1e6:.1f} MB, too large for a completion report "
            f"(limit {MAX_REPORT_BYTES / 1e6:.0f} MB)",
            hint="pass the report itself, not a log or a data file",
        )
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        raise InventoryError(f"{path} is a binary file", hint="pass a Markdown report")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InventoryError(
            f"{path} is not UTF-8 text (byte {exc.start} is invalid)",
            hint="save the report as UTF-8",
        ) from exc
    return parse_report(text, str(path))


def parse_report(text: str, name: str) -> ReportText:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    segments: list[Segment] = []
    heading = ""
    checked = unchecked = 0
    context: list[str] = []
    row: list[str] = []
    header: list[str] = []
    in_head = False
    row_line = 0
    lists: dict[int, list[int]] = {}
    outer_list = 0
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open") and not any(
            c.endswith("list_open") for c in context
        ):
            outer_list = token.map[0] + 1 if token.map else 0
        if token.type in ("heading_open", "bullet_list_open", "ordered_list_open"):
            context.append(token.type)
        elif token.type in ("heading_close", "bullet_list_close", "ordered_list_close"):
            context.pop()
        elif token.type == "thead_open":
            in_head, header = True, []
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            row, row_line = [], (token.map[0] + 1 if token.map else 0)
        elif token.type == "tr_close" and not in_head and row:
            segments.append(Segment(_table_row(header, row), row_line, heading, "table"))
        elif token.type in ("fence", "code_block"):
            segments += _code_lines(token, heading)
        elif token.type == "inline":
            content = _plain(token)
            parent = tokens[index - 1].type if index else ""
            if parent in ("th_open", "td_open"):
                (header if in_head else row).append(content)
                continue
            line = token.map[0] + 1 if token.map else 0
            if context and context[-1] == "heading_open":
                heading = content
                segments.append(Segment(content, line, heading, "heading"))
                continue
            box = _CHECKBOX.match(content)
            if box:
                checked += box.group(1) != " "
                unchecked += box.group(1) == " "
                tally = lists.setdefault(outer_list, [0, 0])
                tally[box.group(1) == " "] += 1
                content = content[box.end() :]
            kind = "list" if any(c.endswith("list_open") for c in context) else "prose"
            if content.strip():
                segments.append(Segment(content, line, heading, kind))
    checklists = tuple((start, ticked, open_) for start, (ticked, open_) in sorted(lists.items()))
    return ReportText(name, tuple(segments), checked, unchecked, checklists)


_TREE = re.compile(r"^(?P<prefix>[\s│|├└┣┗`'+\\-]*(?:──|--|—|─)+\s*|[\s│|]+)")
_ENTRY = re.compile(r"^(?P<name>[\w.@*-]+/?)(?=\s|$)")


def _code_lines(token: Token, heading: str) -> list[Segment]:
    """Each line of a code block or tree diagram on its own: ``├── core.py (145 lines)``
    and ``TOTAL: 132 passed`` are claims too. In a tree diagram a file is written with the
    folders above it (``src/core.py (145 lines)``), so the claim names the file it is about.
    """
    if not token.map:
        return []
    first = token.map[0] + (2 if token.type == "fence" else 1)
    folders: list[tuple[int, str]] = []  # (depth, name/) of the folders above this line
    segments = []
    header: list[str] = []
    for offset, raw in enumerate(token.content.splitlines()):
        if raw.strip().startswith("|") and raw.strip().endswith("|"):
            # A Markdown table indented into a code block: read it as a table.
            cells = [c.strip().replace("**", "") for c in raw.strip().strip("|").split("|")]
            if all(re.fullmatch(r":?-+:?", c) for c in cells if c):
                continue
            if not header:
                header = cells
                continue
            segments.append(Segment(_table_row(header, cells), first + offset, heading, "table"))
            continue
        header = []
        tree = _TREE.match(raw)
        depth = len(tree.group(0)) if tree else len(raw) - len(raw.lstrip())
        text = raw[len(tree.group(0)) :].strip() if tree else raw.strip()
        entry = _ENTRY.match(text)
        if entry and (tree or entry.group("name").endswith("/")):
            folders = [f for f in folders if f[0] < depth]
            name = entry.group("name")
            if name.endswith("/"):
                folders.append((depth, name))
            else:
                text = "".join(f for _, f in folders) + text
        if text and any(c.isdigit() for c in text):
            segments.append(Segment(text, first + offset, heading, "code"))
    return segments


def _plain(token: Token) -> str:
    """The text of an inline token without markup (code spans keep their text)."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content if child.type == "text" else f"`{child.content}`")
        elif child.type in ("em_open", "em_close", "strong_open", "strong_close"):
            # Underscores read as emphasis are nearly always part of a name in a report
            # (``shop/__init__.py``): keep them. Asterisks are emphasis.
            if child.markup.startswith("_"):
                parts.append(child.markup)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts) if token.children else token.content


_GENERIC = re.compile(
    r"(?i)^(value|values|count|number|#|total|result|results|actual|achieved|measured|current|"
    r"now|status|metric|metrics|amount|figure|score|state|details?|notes?|description)$"
)


_BARE = re.compile(r"^[<>~≈]?\s*\d[\d,]*(?:\.\d+)?\s*%?\+?$")


def _table_row(header: list[str], cells: list[str]) -> str:
    """A table row as a sentence: the row's label, then each value with what its column
    measures (``User Service: Tests 14; Coverage 85%``). When a column holds the achieved
    value, only that one is read; target columns are left out, so "target 90%" is never
    read as a claim."""
    if not header or len(header) != len(cells):
        return " ".join(cells)
    label = cells[0]
    pairs = list(zip(header[1:], cells[1:], strict=True))
    achieved = [c for h, c in pairs if _ACHIEVED.match(h.strip())]
    if achieved:
        return f"{label}: {' '.join(achieved)}"
    kept = [(h.strip(), c.strip()) for h, c in pairs if not _TARGET.match(h.strip())]
    return f"{label}: " + "; ".join(
        f"{h}: {c}" if h and not _GENERIC.match(h) and _BARE.match(c) else c for h, c in kept
    )
