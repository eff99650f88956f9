"""What the CLI prints: tables, progress, errors. Status goes to stderr, documents to stdout."""

from __future__ import annotations

import json
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from assay.errors import AssayError

if TYPE_CHECKING:
    from assay.core.evidence import EvidenceRecord
    from assay.services.certify import CertifyResult
    from assay.services.runs import RunListing

_STATUS_STYLE = {"pass": "green", "fail": "red", "waived": "yellow", "unknown": "magenta"}


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


def print_certify_result(result: CertifyResult) -> None:
    report = result.report
    out = console()
    table = Table(title=f"Readiness of {report.project}", title_justify="left")
    for column in ("Gate", "Title", "Status", "Explanation"):
        table.add_column(column, overflow="fold")
    for gate in report.gates:
        style = _STATUS_STYLE[gate.status.value]
        table.add_row(
            gate.gate.id,
            gate.gate.title,
            f"[{style}]{gate.status.value}[/]",
            gate.explanation,
        )
    out.print(table)
    evidence = Table(title="Evidence collected", title_justify="left")
    for column in ("Kind", "SHA-256", "Size", "Summary"):
        evidence.add_column(column, overflow="fold")
    for record in report.evidence:
        summary = ", ".join(
            f"{k} {v}" for k, v in sorted(record.summary.items()) if not isinstance(v, list)
        )
        evidence.add_row(record.kind, record.sha256[:16], f"{record.size:,} B", summary)
    out.print(evidence)
    for step in report.steps:
        for note in step.notes:
            out.print(f"  [dim]{step.name}:[/] {escape(note)}", soft_wrap=True, emoji=False)
    colour = "green" if report.verdict.value == "ready" else "red"
    out.print(
        f"\nVerdict: [bold {colour}]{report.verdict.value.upper()}[/]  "
        f"(run {report.run_id}, commit {(report.commit or 'unknown')[:12]})"
    )
    out.print(f"Report: {result.markdown_path}\n        {result.json_path}")


def print_runs(runs: list[RunListing]) -> None:
    out = console()
    if not runs:
        out.print("No runs yet. Create one with: assay certify PATH")
        return
    table = Table(title="Runs", title_justify="left")
    for column in ("Run", "Project", "Started (UTC)", "Commit", "Verdict", "Evidence"):
        table.add_column(column, overflow="fold")
    for item in runs:
        table.add_row(
            item.id,
            item.project,
            item.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            (item.commit or "-")[:12],
            item.verdict or item.status,
            ", ".join(f"{e.kind} {e.id[:8]}" for e in item.evidence),
        )
    out.print(table)


def print_evidence(record: EvidenceRecord, data: bytes) -> None:
    out = console()
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, value in (
        ("Evidence", record.id),
        ("Run", record.run_id),
        ("Kind", record.kind),
        ("SHA-256", record.sha256),
        ("Media type", record.media_type),
        ("Size", f"{record.size:,} bytes"),
        ("Collected", record.collected_at.isoformat()),
        ("Summary", json.dumps(record.summary, sort_keys=True)),
    ):
        table.add_row(label, value)
    out.print(table)
    out.print("[dim]Content (verified against its digest; --raw prints only this):[/]")
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines()
    out.print("\n".join(lines[:200]), markup=False, highlight=False, soft_wrap=True)
    if len(lines) > 200:
        out.print(f"[dim]... {len(lines) - 200} more lines; use --raw for all[/]")
