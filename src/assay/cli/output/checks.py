"""What the CLI prints for the checks: monitoring, SLOs, quality, scan, the vulnerability
database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.markup import escape

from assay.cli.emit import record, say
from assay.cli.output import console, id_column, prose_column, table
from assay.core.monitoring import MonitoringFacts, Probe, monitoring_problems

if TYPE_CHECKING:
    from assay.collectors.docs import DocsReport
    from assay.core.inventory import Inventory
    from assay.core.quality import QualityReport
    from assay.core.scan import ScanResult
    from assay.services.performance import PerformanceCheck
    from assay.services.slo import SloCheck
    from assay.services.vulndb import ImportReport, SnapshotInfo


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
    grid = table("Service-level objectives")
    for column in ("Objective", "Target", "Measured (worst)", "Status", "From"):
        id_column(grid, column)
    style = {"met": "green", "missed": "red", "unmeasured": "magenta"}
    for result in check.objectives:
        grid.add_row(
            result.objective,
            f"{result.target:g}",
            "-" if result.measured is None else f"{result.measured:g}",
            f"[{style[result.status.value]}]{result.status.value}[/]",
            escape(result.source or "-"),
        )
    out.print(grid)


def _figure(value: float | None, unit: str) -> str:
    return "not measured" if value is None else f"{value:.1f}{unit}"


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
        grid = table("Vulnerabilities in force")
        for column in ("Package", "Version", "ID", "Severity", "Fixed in"):
            id_column(grid, column)
        prose_column(grid, "Summary")
        for finding in result.findings:
            style = _SEVERITY_STYLE[finding.severity.value]
            score = f" {finding.score:.1f}" if finding.score is not None else ""
            grid.add_row(
                finding.package,
                finding.version,
                "\n".join(finding.ids),
                f"[{style}]{finding.severity.value}{score}[/]",
                finding.fixed_in or "no fix",
                escape(finding.summary),
            )
        out.print(grid)
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
        out.print(f"[yellow]rejected[/] {escape(ident)}: {escape(reason)}")
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
    grid = table("Power-of-Ten compliance (share of functions)")
    prose_column(grid, "Rule")
    id_column(grid, "Compliance", justify="right")
    from assay.core.poweroften import RULES

    def share(value: float | None) -> str:
        return "unknown" if value is None else f"{value:.1%}"

    for rule, text in RULES.items():
        grid.add_row(f"{rule} {text}", share(report.compliance.get(rule)))
    grid.add_row("[bold]all rules[/]", f"[bold]{share(report.overall)}[/]")
    out.print(grid)
    if report.unmeasured:
        out.print(f"[yellow]compliance unknown[/]: {escape(report.unmeasured)}")
    for finding in report.theater:
        out.print(
            f"[red]{finding['rule']}[/] {escape(finding['path'])}:{finding['line']} "
            f"{escape(finding['function'])}: {escape(finding['message'])}"
        )
    for finding in report.smoke_tests:
        out.print(
            f"[dim]{finding['rule']} info {escape(finding['path'])}:{finding['line']} "
            f"{escape(finding['function'])}: {escape(finding['message'])}[/]"
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


def print_docs(report: DocsReport) -> None:
    """The documentation facts, for people."""
    coverage = report.docstring_coverage
    readme = (
        f"{report.readme} ({report.readme_words} words, {len(report.readme_sections)} sections)"
        if report.readme
        else "none found"
    )
    if report.serves_http:
        frameworks = ", ".join(report.http_frameworks) or "routes"
        openapi = (
            f"{report.openapi} (OpenAPI {report.openapi_version or 'unknown version'})"
            if report.openapi
            else "no OpenAPI document"
        )
        http = f"serves HTTP ({frameworks}); {openapi}"
    else:
        http = "serves no HTTP"
    record(
        "Documentation",
        [
            ("README", readme),
            ("docs folder", f"{report.docs_files} files"),
            ("changelog", report.changelog or "none found"),
            (
                "docstrings",
                "no public objects"
                if coverage is None
                else f"{coverage:.0%} of {report.public_objects} public objects "
                f"({len(report.undocumented)} undocumented)",
            ),
            ("HTTP", http),
            *(("problem", error) for error in report.openapi_errors),
        ],
    )


def print_performance(check: PerformanceCheck) -> None:
    """Each benchmark's change against the baseline, then the overall figures."""
    result = check.comparison
    say(f"baseline: {check.baseline.source}")
    for change in result.changes:
        verdict = (
            "regression" if change.regression else "improvement" if change.improvement else "noise"
        )
        say(
            f"  {change.name}: {change.change:+.1%} (noise {change.noise:.1%}), {verdict}",
            hang="    ",
        )
    for name in result.only_in_baseline:
        say(f"  {name}: only in the baseline", hang="    ")
    for name in result.only_in_current:
        say(f"  {name}: only in this run", hang="    ")
    overhead = "-" if result.overhead is None else f"{result.overhead:+.1%}"
    regression = "-" if result.regression is None else f"{result.regression:+.1%}"
    say(
        f"{len(result.changes)} compared, {len(result.regressions)} regressed; overhead "
        f"{overhead}, regression {regression}"
    )
