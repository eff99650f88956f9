"""What the CLI prints for the evidence and the verdict: gates, certify, runs, evidence,
a release's status."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from rich.markup import escape

from assay.cli.emit import record, say
from assay.cli.output import console, gate_table, id_column, prose_column, table

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
    grid = table("Sign-offs")
    id_column(grid, "Role")
    id_column(grid, "Needed")
    for column in ("Approved by", "Blocked by", "Void / expired"):
        prose_column(grid, column)
    id_column(grid, "State")
    for role in status.roles:
        stale = ", ".join(
            [*(f"{s} (void)" for s in role.void), *(f"{s} (expired)" for s in role.expired)]
        )
        state = "[green]complete[/]" if role.satisfied else "[red]missing[/]"
        grid.add_row(
            role.role,
            str(role.needed),
            escape(", ".join(role.approved_by) or "-"),
            escape(", ".join(role.rejected_by) or "-"),
            escape(stale or "-"),
            state,
        )
    out.print(grid)
    missing = status.missing
    if not missing:
        out.print("[bold green]Ready for a certificate[/]: assay certificate issue " + release.name)
        return
    out.print("[bold red]Missing for a certificate:[/]")
    for line in missing:
        say(f"  - {line}", hang="    ")


def print_certify_result(result: CertifyResult) -> None:
    report = result.report
    out = console()
    out.print(gate_table(f"Readiness of {report.project}", report.gates))
    evidence = table("Evidence collected")
    for column in ("Kind", "SHA-256"):
        id_column(evidence, column)
    id_column(evidence, "Size", justify="right")
    prose_column(evidence, "Summary")
    for item in report.evidence:
        summary = ", ".join(
            f"{k} {v}" for k, v in sorted(item.summary.items()) if not isinstance(v, list)
        )
        evidence.add_row(item.kind, item.sha256[:16], f"{item.size:,} B", escape(summary))
    out.print(evidence)
    for step in report.steps:
        for note in step.notes:
            say(f"  {step.name}: {note}", hang="    ")
    colour = "green" if report.verdict.value == "ready" else "red"
    out.print(
        f"\nVerdict: [bold {colour}]{report.verdict.value.upper()}[/]  "
        f"(run {report.run_id}, commit {(report.commit or 'unknown')[:12]})"
    )
    say(f"Report: {result.markdown_path}\n        {result.json_path}")


def print_runs(runs: list[RunListing]) -> None:
    """Each run, newest first: its id (a * marks a performance baseline), verdict and
    start, then its project, commit and evidence."""
    if not runs:
        say("No runs yet. Create one with: assay certify -C PATH")
        return
    for i, item in enumerate(runs):
        if i:
            say()
        record(
            f"{item.id}{' *' if item.baseline else ''}  {item.verdict or item.status}  "
            f"{item.started_at:%Y-%m-%d %H:%M:%S} UTC",
            [
                ("project", item.project),
                ("commit", (item.commit or "-")[:12]),
                ("evidence", ", ".join(f"{e.kind} {e.id[:8]}" for e in item.evidence) or "-"),
            ],
        )


def print_evidence(item: EvidenceRecord, data: bytes) -> None:
    record(
        f"Evidence {item.id}",
        [
            ("Run", item.run_id),
            ("Kind", item.kind),
            ("SHA-256", item.sha256),
            ("Media type", item.media_type),
            ("Size", f"{item.size:,} bytes"),
            ("Collected", item.collected_at.isoformat()),
            ("Summary", json.dumps(item.summary, sort_keys=True)),
        ],
    )
    say("Content (verified against its digest; -f raw prints only this):")
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines()
    sys.stdout.write("".join(line + "\n" for line in lines[:200]))
    if len(lines) > 200:
        say(f"... {len(lines) - 200} more lines; use -f raw for all")
