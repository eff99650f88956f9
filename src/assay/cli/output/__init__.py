"""What the CLI prints: consoles, errors, progress, the gate table. Status goes to stderr,
documents to stdout. The renderings of each area are in the modules beside this one."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from assay.errors import AssayError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from assay.core.gates import GateResult

STATUS_STYLE = {"pass": "green", "fail": "red", "waived": "yellow", "unknown": "magenta"}


def console() -> Console:
    return Console(highlight=False)


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
    table = Table(title=title, title_justify="left")
    columns = ["Gate", "Title", "Status"] + (["Measured", "Threshold"] if measured else [])
    for column in [*columns, "Explanation"]:
        table.add_column(column, overflow="fold")
    for gate in gates:
        style = STATUS_STYLE[gate.status.value]
        extra = [escape(gate.measured or "-"), escape(gate.threshold or "-")] if measured else []
        table.add_row(
            gate.gate.id,
            gate.gate.title,
            f"[{style}]{gate.status.value}[/]",
            *extra,
            escape(gate.explanation),
        )
    return table
