"""What the CLI prints: consoles, tables, errors, progress, the gate table. Status goes to
stderr, documents to stdout. The renderings of each area are in the modules beside this one.

On a terminal, tables are drawn in colour at the terminal's width. Otherwise (a pipe, a
file, ``-o FILE``) output is plain: no colour, no box drawing, 80 columns (``COLUMNS``
changes that). Ids and paths are never cut or folded (their columns do not wrap), only
prose wraps.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table
from rich.text import Text

from assay.cli.emit import output_width, say
from assay.errors import AssayError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from assay.core.gates import GateResult

STATUS_STYLE = {"pass": "green", "fail": "red", "waived": "yellow", "unknown": "magenta"}


class _PlainConsole(Console):
    """Standard output that is not a terminal: lines of text wrap between words, and a
    word longer than the width (an id, a path) stays whole on its own line."""

    def print(self, *objects: Any, **options: Any) -> None:
        if not all(isinstance(o, str) for o in objects):
            super().print(*objects, **options)
            return
        texts = [
            o if options.get("markup") is False else Text.from_markup(o).plain for o in objects
        ]
        say(options.get("sep", " ").join(texts))


def plain() -> bool:
    """Whether standard output is not a terminal: then no colour and no box drawing."""
    return not sys.stdout.isatty()


def console() -> Console:
    """Standard output: on a terminal as Rich sees it; otherwise plain, 80 columns wide
    (or ``COLUMNS``)."""
    if not plain():
        return Console(highlight=False)
    return _PlainConsole(
        highlight=False, width=output_width(), color_system=None, no_color=True, emoji=False
    )


def table(title: str | None = None, **options: Any) -> Table:
    """A table: boxed on a terminal; plain columns (no box, no edge) otherwise."""
    if plain():
        options.update(box=None, show_edge=False, pad_edge=False)
    else:
        options.setdefault("box", box.HEAVY_HEAD)
    return Table(title=title, title_justify="left", **options)


def id_column(grid: Table, header: str = "", **options: Any) -> None:
    """A column of ids, paths, dates and states: never wrapped, folded or cut."""
    grid.add_column(header, no_wrap=True, overflow="ignore", **options)


def prose_column(grid: Table, header: str = "", **options: Any) -> None:
    """A column of words: wrapped between them (a word wider than the column folds)."""
    grid.add_column(header, overflow="fold", **options)


def err_console() -> Console:
    return Console(stderr=True, highlight=False)


def print_error(exc: AssayError) -> None:
    out = err_console()
    out.print(f"[bold red]error:[/] {escape(exc.message)}", soft_wrap=True, emoji=False)
    hint = exc.diagnostics()
    if hint:
        out.print(f"[dim]hint:[/] {escape(hint)}", soft_wrap=True, emoji=False)


class RichProgress:
    """A spinner per certify step on stderr, with each step's time when it ends."""

    def __init__(self) -> None:
        self._console = err_console()
        self._status: Status | None = None

    def __enter__(self) -> RichProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._status is not None:
            self._status.stop()

    def step_started(self, name: str, title: str) -> None:
        self._status = self._console.status(f"{title}...")
        self._status.start()

    def step_finished(self, name: str, title: str, seconds: float) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None
        self._console.print(f"[green]done[/] {title} ({seconds:.2f} s)")


def gate_table(title: str, gates: Sequence[GateResult], *, measured: bool = False) -> Table:
    """A row per gate: its id, its status, then its title, why, and (``measured``) what was
    measured against which threshold, one under the other, so the prose has the width."""
    grid = table(title)
    id_column(grid, "Gate")
    id_column(grid, "Status")
    prose_column(grid, "Title and explanation")
    for gate in gates:
        style = STATUS_STYLE[gate.status.value]
        lines = [f"[bold]{escape(gate.gate.title)}[/]", escape(gate.explanation)]
        if measured and (gate.measured or gate.threshold):
            lines.append(
                f"[dim]measured {escape(gate.measured or '-')}, threshold "
                f"{escape(gate.threshold or '-')}[/]"
            )
        grid.add_row(gate.gate.id, f"[{style}]{gate.status.value}[/]", "\n".join(lines))
    return grid
