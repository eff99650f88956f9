"""What the CLI prints for the reports: claims, Six Sigma."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape

from assay.cli.output import console, id_column, prose_column, table

if TYPE_CHECKING:
    from assay.core.sixsigma_report import SixSigmaReport
    from assay.services.claims import ClaimsCheck


def print_sixsigma(report: SixSigmaReport) -> None:
    out = console()
    grid = table(f"Six Sigma of {report.project}")
    for column in ("Run", "Started (UTC)", "Opportunities", "Defects", "DPMO"):
        id_column(grid, column)
    prose_column(grid, "Sigma")
    id_column(grid, "RTY")
    for point in report.points:
        quality = point.quality
        dpmo = "-" if quality.dpmo is None else f"{quality.dpmo:,.1f}"
        sigma = "-" if not quality.opportunities else quality.sigma_text
        rty = quality.rolled_throughput_yield
        grid.add_row(
            point.run[:8],
            point.started_at.strftime("%Y-%m-%d %H:%M"),
            f"{quality.opportunities:,.0f}",
            f"{quality.defects:,.1f}",
            dpmo,
            sigma,
            "-" if rty is None else f"{rty:.4f}",
        )
    out.print(grid)
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
    grid = table(f"Claims of {', '.join(check.reports)}")
    prose_column(grid, "Claim")
    id_column(grid, "Where")
    prose_column(grid, "Claimed")
    id_column(grid, "Measured")
    id_column(grid, "Verdict")
    prose_column(grid, "Evidence")
    style = {"supported": "green", "contradicted": "red", "unverifiable": "magenta"}
    for result in check.results:
        claim = result.claim
        claimed = "-" if claim.value is None else f"{claim.comparator} {claim.value:g} {claim.unit}"
        label = " ".join(p for p in (claim.kind.value, claim.qualifier, claim.subject) if p)
        measured = "-" if result.measured is None else f"{result.measured:g}"
        grid.add_row(
            escape(label),
            f"line {claim.line}",
            escape(claimed.replace("= ", "")),
            measured,
            f"[{style[result.verdict.value]}]{result.verdict.value}[/]",
            escape(result.evidence or result.explanation),
        )
    out.print(grid)
    summary = check.summary()
    out.print(
        f"{summary['claims']} claims: {summary['supported']} supported, "
        f"{summary['contradicted']} contradicted, {summary['unverifiable']} unverifiable "
        f"(evidence: {escape(check.evidence_source)})"
    )
    if not check.results:
        out.print("no quantitative claim found in the report")
