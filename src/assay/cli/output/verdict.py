"""What the CLI prints for the evidence and the verdict: gates, certify, runs, evidence,
a release's status."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from assay.cli.output import console, gate_table

if TYPE_CHECKING:
    from assay.core.evidence import EvidenceRecord
    from assay.services.certify import CertifyResult
    from assay.services.gates import GatesOutcome
    from assay.services.releases import ReleaseStatus
    from assay.services.runs import RunListing


def print_gates(outcome: GatesOutcome) -> None:
    out = console()
    out.print(gate_table(f"Gates of run {outcome.run_id}", outcome.gates, measured=True))
    for gate, why in outcome.disabled:
        out.print(f"[yellow]{gate} is switched off[/]: {escape(why)}")
    for result in outcome.gates:
        for waiver in result.expired_waivers:
            out.print(
                f"[yellow]expired waiver[/] of {result.gate.id} by {escape(waiver.owner)} "
                f"(expired {waiver.expires.isoformat()}): no longer applies"
            )
    colour = "green" if outcome.verdict.value == "ready" else "red"
    out.print(f"Verdict: [bold {colour}]{outcome.verdict.value.upper()}[/]")
    out.print(f"Policy digest: {outcome.policy_digest}")


def print_release_status(status: ReleaseStatus) -> None:
    out = console()
    release = status.release
    out.print(
        f"Release [bold]{escape(release.name)}[/] of {escape(release.project)}: run "
        f"{release.run_id}, evidence {release.evidence_digest[:16]}"
    )
    out.print(gate_table("Gates", status.gates.gates))
    table = Table(title="Sign-offs", title_justify="left")
    for column in ("Role", "Needed", "Approved by", "Blocked by", "Void / expired", "State"):
        table.add_column(column, overflow="fold")
    for role in status.roles:
        stale = ", ".join(
            [*(f"{s} (void)" for s in role.void), *(f"{s} (expired)" for s in role.expired)]
        )
        state = "[green]complete[/]" if role.satisfied else "[red]missing[/]"
        table.add_row(
            role.role,
            str(role.needed),
            escape(", ".join(role.approved_by) or "-"),
            escape(", ".join(role.rejected_by) or "-"),
            escape(stale or "-"),
            state,
        )
    out.print(table)
    missing = status.missing
    if not missing:
        out.print("[bold green]Ready for a certificate[/]: assay certificate issue " + release.name)
        return
    out.print("[bold red]Missing for a certificate:[/]")
    for line in missing:
        out.print(f"  - {escape(line)}", soft_wrap=True)


def print_certify_result(result: CertifyResult) -> None:
    report = result.report
    out = console()
    out.print(gate_table(f"Readiness of {report.project}", report.gates))
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
            f"{item.id} *" if item.baseline else item.id,
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
