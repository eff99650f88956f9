"""CLI: reports and trends: claims, sixsigma."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.options import ProjectArg, ProjectOpt, StoreOpt


class ClaimsFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


def claims(
    reports: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Completion reports (Markdown). Default: [claims] reports, or report-like "
            "Markdown files found in the project.",
            show_default=False,
        ),
    ] = None,
    project: ProjectOpt = Path(),
    output_format: Annotated[
        ClaimsFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ClaimsFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Check the numbers of a completion report against the project's evidence.

    Coverage, test counts and pass rates, vulnerabilities by severity, latency and
    throughput, error rate, availability, line counts, endpoints, files, completion,
    compliance and overhead. Each claim is supported (within its tolerance), contradicted
    (both values shown) or unverifiable (with the evidence that would settle it). Exit 1
    when any claim is contradicted.
    """
    from assay.cli.context import command_context
    from assay.cli.output.reports import print_claims
    from assay.core.claims import Verdict
    from assay.services.claims import (
        check_claims,
        claims_document,
        find_reports,
        measurements_for,
    )

    ctx = command_context(project, store)
    paths = list(reports or find_reports(project, ctx.settings))
    if not paths:
        from assay.errors import UsageError

        raise UsageError(
            f"no completion report in {project}",
            hint="pass a report: assay claims REPORT.md, or declare [claims] reports",
        )
    check = check_claims(paths, measurements_for(project, ctx), project)
    if output_format is ClaimsFormat.JSON or output:
        document = claims_document(check)
        if output:
            output.write_text(document, encoding="utf-8")
            print(f"wrote {output}")
        else:
            sys.stdout.write(document)
    if output_format is ClaimsFormat.TABLE:
        print_claims(check)
    if check.count(Verdict.CONTRADICTED):
        raise typer.Exit(1)


def sixsigma(
    path: ProjectArg = Path(),
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help="A figure to chart, as kind.figure (e.g. coverage.line_rate).",
            show_default=False,
        ),
    ] = None,
    runs: Annotated[int, typer.Option("--runs", "-n", min=1, help="How many runs.")] = 30,
    nelson: Annotated[
        bool, typer.Option("--nelson", help="Nelson's eight rules instead of Western Electric.")
    ] = False,
    output_format: Annotated[
        ClaimsFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ClaimsFormat.TABLE,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Folder for charts and report (default: .assay/sixsigma).",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """DPMO, sigma level and yields per run; a p chart of the defect rate over the runs;
    with --metric an individuals chart, run-rule signals and, with [sixsigma.spec] limits,
    Cp/Cpk/Pp/Ppk (withheld when the process is out of control or the sample is small).
    Charts (SVG, PNG) and a Markdown and HTML report go to --output.
    """
    from assay.cli.context import command_context
    from assay.cli.output.reports import print_sixsigma
    from assay.core.sixsigma import RuleSet
    from assay.services.sixsigma import sixsigma_document, sixsigma_report

    ctx = command_context(path, store)
    rules = RuleSet.NELSON if nelson else RuleSet.WESTERN_ELECTRIC
    report = sixsigma_report(ctx, path, runs=runs, metric=metric, rules=rules)
    if output_format is ClaimsFormat.JSON:
        sys.stdout.write(sixsigma_document(report))
        return
    from assay.formats.sixsigma import write_charts, write_report

    folder = output or ctx.settings.state_dir / "sixsigma"
    charts = write_charts(report, folder)
    markdown, html = write_report(report, folder)
    print_sixsigma(report)
    print(f"charts: {', '.join(str(c) for c in charts) or 'none'}")
    print(f"report: {markdown}, {html}")
