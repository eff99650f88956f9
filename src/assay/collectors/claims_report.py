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
_ACHIEVED = re.compile(r"(?i)^(achieved|actual|result|results|measured|current|value|status|now)$")
_TARGET = re.compile(r"(?i)^(target|goal|expected|required|threshold|plan(?:ned)?|baseline)$")
_CHECKBOX = re.compile(r"^\[( |x|X)\]\s")


@dataclass(frozen=True)
class ReportText:
    path: str
    segments: tuple[Segment, ...]
    checked: int
    """Task-list items ticked (``- [x]``)."""
    unchecked: int


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
    for index, token in enumerate(tokens):
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
                content = content[box.end() :]
            kind = "list" if any(c.endswith("list_open") for c in context) else "prose"
            if content.strip():
                segments.append(Segment(content, line, heading, kind))
    return ReportText(name, tuple(segments), checked, unchecked)


def _plain(token: Token) -> str:
    """The text of an inline token without markup (code spans keep their text)."""
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content if child.type == "text" else f"`{child.content}`")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts) if token.children else token.content


def _table_row(header: list[str], cells: list[str]) -> str:
    """A table row as a sentence: the metric, then the achieved value. Target columns are
    left out, so "target 90%" is never read as a claim."""
    if not header or len(header) != len(cells):
        return " ".join(cells)
    label = cells[0]
    achieved = [c for h, c in zip(header[1:], cells[1:], strict=True) if _ACHIEVED.match(h.strip())]
    if achieved:
        return f"{label}: {' '.join(achieved)}"
    kept = [c for h, c in zip(header[1:], cells[1:], strict=True) if not _TARGET.match(h.strip())]
    return f"{label}: {' '.join(kept)}"
