"""What the CLI prints: tables, progress, errors. Status goes to stderr, documents to stdout."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from assay.core.monitoring import MonitoringFacts, Probe, monitoring_problems
from assay.errors import AssayError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from assay.core.evidence import EvidenceRecord
    from assay.core.gates import GateResult
    from assay.core.inventory import Inventory
    from assay.core.quality import QualityReport
    from assay.core.scan import ScanResult
    from assay.core.sixsigma_report import SixSigmaReport
    from assay.services.certify import CertifyResult
    from assay.services.claims import ClaimsCheck
    from assay.services.gates import GatesOutcome
    from assay.services.releases import ReleaseStatus
    from assay.services.runs import RunListing
    from assay.services.slo import SloCheck
    from assay.services.vulndb import ImportReport, SnapshotInfo

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


def gate_table(title: str, gates: Sequence[GateResult], *, measured: bool = False) -> Table:
    table = Table(title=title, title_justify="left")
    columns = ["Gate", "Title", "Status"] + (["Measured", "Threshold"] if measured else [])
    for column in [*columns, "Explanation"]:
        table.add_column(column, overflow="fold")
    for gate in gates:
        style = _STATUS_STYLE[gate.status.value]
        extra = [escape(gate.measured or "-"), escape(gate.threshold or "-")] if measured else []
        table.add_row(
            gate.gate.id,
            gate.gate.title,
            f"[{style}]{gate.status.value}[/]",
            *extra,
            escape(gate.explanation),
        )
    return table


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


def print_sixsigma(report: SixSigmaReport) -> None:
    out = console()
    table = Table(title=f"Six Sigma of {report.project}", title_justify="left")
    for column in ("Run", "Started (UTC)", "Opportunities", "Defects", "DPMO", "Sigma", "RTY"):
        table.add_column(column)
    for point in report.points:
        quality = point.quality
        dpmo = "-" if quality.dpmo is None else f"{quality.dpmo:,.1f}"
        sigma = "-" if not quality.opportunities else quality.sigma_text
        rty = quality.rolled_throughput_yield
        table.add_row(
            point.run[:8],
            point.started_at.strftime("%Y-%m-%d %H:%M"),
            f"{quality.opportunities:,.0f}",
            f"{quality.defects:,.1f}",
            dpmo,
            sigma,
            "-" if rty is None else f"{rty:.4f}",
        )
    out.print(table)
    for signal in report.defect_signals:
        out.print(f"[red]defect rate {signal.rule}[/]: {escape(signal.description)}")
    if report.metric and report.limits:
        limits = report.limits
        out.print(
            f"{report.metric}: center {limits.center:.4g}, limits {limits.lower:.4g} to "
            f"{limits.upper:.4g} over {len(report.metric_values)} runs"
        )
        for signal in report.metric_signals:
            runs = ", ".join(report.metric_runs[i][:8] for i in signal.points)
            out.print(f"[red]{signal.rule}[/]: {escape(signal.description)} (runs {runs})")
        capability = report.capability
        if capability is not None:
            if capability.cp is None and capability.cpk is None:
                out.print(f"capability withheld: {escape(capability.note)}")
            else:
                shown = ", ".join(
                    f"{name} {value:.2f}"
                    for name, value in (
                        ("Cp", capability.cp),
                        ("Cpk", capability.cpk),
                        ("Pp", capability.pp),
                        ("Ppk", capability.ppk),
                    )
                    if value is not None
                )
                out.print(f"capability: {shown} (n={capability.n}; {escape(capability.note)})")
    for note in report.notes:
        out.print(f"[dim]{escape(note)}[/]")


def print_claims(check: ClaimsCheck) -> None:
    out = console()
    table = Table(title=f"Claims of {', '.join(check.reports)}", title_justify="left")
    for column in ("Claim", "Where", "Claimed", "Measured", "Verdict", "Evidence"):
        table.add_column(column, overflow="fold")
    style = {"supported": "green", "contradicted": "red", "unverifiable": "magenta"}
    for result in check.results:
        claim = result.claim
        claimed = "-" if claim.value is None else f"{claim.comparator} {claim.value:g} {claim.unit}"
        label = " ".join(p for p in (claim.kind.value, claim.qualifier, claim.subject) if p)
        measured = "-" if result.measured is None else f"{result.measured:g}"
        table.add_row(
            escape(label),
            f"line {claim.line}",
            escape(claimed.replace("= ", "")),
            measured,
            f"[{style[result.verdict.value]}]{result.verdict.value}[/]",
            escape(result.evidence or result.explanation),
        )
    out.print(table)
    summary = check.summary()
    out.print(
        f"{summary['claims']} claims: {summary['supported']} supported, "
        f"{summary['contradicted']} contradicted, {summary['unverifiable']} unverifiable "
        f"(evidence: {escape(check.evidence_source)})"
    )
    if not check.results:
        out.print("no quantitative claim found in the report")


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


def print_monitoring(facts: MonitoringFacts) -> None:
    out = console()
    for probe in Probe:
        routes = facts.probes.get(probe.value, ())
        shown = escape(", ".join(routes)) if routes else "[yellow]none found[/]"
        out.print(f"{probe.value:<12}{shown}")
    instrumentation = ", ".join(facts.instrumentation) or "[yellow]none found[/]"
    out.print(f"{'metrics lib':<12}{instrumentation}")
    logging = ", ".join(sorted({f"{s.library} ({s.source})" for s in facts.structured_logging}))
    out.print(f"{'logging':<12}{escape(logging) or '[yellow]no structured logging found[/]'}")
    if facts.alert_rule_files:
        out.print(
            f"{'alert rules':<12}{facts.alerting_rules} alerting, {facts.recording_rules} "
            f"recording in {', '.join(facts.alert_rule_files)}"
        )
    else:
        out.print(f"{'alert rules':<12}[yellow]no rule files found[/]")
    if not facts.serves_http:
        out.print("the project declares no HTTP routes")
    for problem in monitoring_problems(facts):
        out.print(f"[red]problem[/]     {escape(problem)}")


def print_slo(check: SloCheck) -> None:
    out = console()
    for summary in check.summaries:
        rate = summary.error_rate
        out.print(
            f"{summary.tool:<7}{escape(summary.source)}: {summary.requests or 0} requests, "
            f"{_figure(summary.throughput_rps, ' req/s')}, p95 {_figure(summary.p95_ms, ' ms')}, "
            f"p99 {_figure(summary.p99_ms, ' ms')}, errors "
            f"{'not measured' if rate is None else f'{rate:.2%}'}"
        )
    table = Table(title="Service-level objectives", title_justify="left")
    for column in ("Objective", "Target", "Measured (worst)", "Status", "From"):
        table.add_column(column)
    style = {"met": "green", "missed": "red", "unmeasured": "magenta"}
    for result in check.objectives:
        table.add_row(
            result.objective,
            f"{result.target:g}",
            "-" if result.measured is None else f"{result.measured:g}",
            f"[{style[result.status.value]}]{result.status.value}[/]",
            escape(result.source or "-"),
        )
    out.print(table)


def _figure(value: float | None, unit: str) -> str:
    return "not measured" if value is None else f"{value:.1f}{unit}"


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


_SEVERITY_STYLE = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "unknown": "magenta",
}


def print_scan(inventory: Inventory, result: ScanResult) -> None:
    """The findings table, the fix advice and the data the scan used."""
    out = console()
    if result.status.value == "unknown":
        out.print(f"[bold magenta]Vulnerabilities: UNKNOWN[/] ({escape(result.reason)})")
        out.print("No vulnerability data could be consulted: this is not a clean result.")
        return
    if result.findings:
        table = Table(title="Vulnerabilities in force", title_justify="left")
        for column in ("Package", "Version", "ID", "Severity", "Fixed in", "Summary"):
            table.add_column(column, overflow="fold")
        for finding in result.findings:
            style = _SEVERITY_STYLE[finding.severity.value]
            score = f" {finding.score:.1f}" if finding.score is not None else ""
            table.add_row(
                finding.package,
                finding.version,
                "\n".join(finding.ids),
                f"[{style}]{finding.severity.value}{score}[/]",
                finding.fixed_in or "no fix",
                escape(finding.summary),
            )
        out.print(table)
    upgrades = list(result.fixes)
    if upgrades:
        out.print("Upgrades that fix every finding of a package:")
        for fix in upgrades:
            advice = f"upgrade to {fix.fix}" if fix.fix else "no single version fixes all"
            out.print(f"  {fix.package} {fix.version}: {advice}")
    counts = ", ".join(f"{n} {k}" for k, n in result.counts().items() if n)
    out.print(
        f"{len(result.findings)} finding(s) in force ({counts or 'none'}), "
        f"{len(result.suppressed)} suppressed; {result.scanned} of "
        f"{len(inventory.components)} components checked against {escape(result.source)}"
    )


def print_import(report: ImportReport) -> None:
    out = console()
    info = report.snapshot
    for ident, reason in report.rejected:
        out.print(f"[yellow]rejected[/] {escape(ident)}: {escape(reason)}", soft_wrap=True)
    out.print(
        f"imported {info.record_count} records from {escape(info.source)} in "
        f"{report.seconds:.2f} s ({info.rejected_count} rejected); snapshot {info.digest}, "
        f"newest record modified {info.newest_modified}"
    )


def print_snapshot(info: SnapshotInfo | None) -> None:
    out = console()
    if info is None:
        out.print("No vulnerability database yet. Import one: assay vulndb import FILE, or sync")
        return
    age = datetime.now(UTC) - info.imported_at
    out.print(f"snapshot  {info.digest}")
    out.print(f"source    {escape(info.source)}")
    out.print(f"records   {info.record_count} ({info.rejected_count} rejected at import)")
    out.print(f"newest    {info.newest_modified}")
    out.print(f"imported  {info.imported_at:%Y-%m-%d %H:%M} UTC ({age.days} days ago)")


def print_quality(report: QualityReport) -> None:
    out = console()
    table = Table(title="Power-of-Ten compliance (share of functions)", title_justify="left")
    table.add_column("Rule")
    table.add_column("Compliance", justify="right")
    from assay.core.poweroften import RULES

    def share(value: float | None) -> str:
        return "unknown" if value is None else f"{value:.1%}"

    for rule, text in RULES.items():
        table.add_row(f"{rule} {text}", share(report.compliance.get(rule)))
    table.add_row("[bold]all rules[/]", f"[bold]{share(report.overall)}[/]")
    out.print(table)
    if report.unmeasured:
        out.print(f"[yellow]compliance unknown[/]: {escape(report.unmeasured)}", soft_wrap=True)
    for finding in report.theater:
        out.print(
            f"[red]{finding['rule']}[/] {escape(finding['path'])}:{finding['line']} "
            f"{escape(finding['function'])}: {escape(finding['message'])}",
            soft_wrap=True,
        )
    for finding in report.smoke_tests:
        out.print(
            f"[dim]{finding['rule']} info {escape(finding['path'])}:{finding['line']} "
            f"{escape(finding['function'])}: {escape(finding['message'])}[/]",
            soft_wrap=True,
        )
    for error in report.errors:
        out.print(f"[yellow]not parsed[/] {escape(error['path'])}: {escape(error['error'])}")
    if report.linter_reports:
        counts: dict[str, int] = {}
        for item in report.linters:
            counts[item["tool"]] = counts.get(item["tool"], 0) + 1
        summary = ", ".join(f"{tool} {n}" for tool, n in sorted(counts.items())) or "no findings"
        out.print(f"linter reports read: {', '.join(report.linter_reports)} ({summary})")
    out.print(
        f"{report.files} files, {report.functions} functions, {len(report.violations)} rule "
        f"violations, {len(report.theater)} theater findings, {len(report.smoke_tests)} smoke "
        f"tests (info, not counted) ({report.cached} files from cache)"
    )
