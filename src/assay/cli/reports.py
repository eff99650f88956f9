"""CLI: reports and trends: claims, sixsigma."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.options import (
    OutputOpt,
    PathArg,
    ProjectOpt,
    StoreOpt,
    deprecated,
    format_option,
    output_to,
    project_from,
)

TABLE = {"table": "text"}
"""``-f table``: the name of the text format in the release before."""


def claims(
    reports: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[REPORT]...",
            help="Completion reports (Markdown). Default: [claims] reports, or report-like "
            "Markdown files found in the project.",
            show_default=False,
        ),
    ] = None,
    project: ProjectOpt = Path(),
    output_format: Annotated[str | None, format_option("text", "json", aliases=TABLE)] = None,
    output: OutputOpt = None,
    store: StoreOpt = None,
) -> None:
    """Check the numbers of a completion report against the project's evidence.

    Coverage, test counts and pass rates, vulnerabilities by severity, latency and
    throughput, error rate, availability, line counts, endpoints, files, completion,
    compliance and overhead. Each claim is supported (within its tolerance), contradicted
    (both values shown) or unverifiable (with the evidence that would settle it). Exit 1
    when any claim is contradicted.

    \b
    Example:
      assay claims docs/phase6.md -C . -f json -o claims.json
    """
    from assay.cli.context import command_context
    from assay.core.claims import Verdict
    from assay.formats import registry
    from assay.services.claims import check_claims, find_reports, measurements_for

    ctx = command_context(project, store)
    paths = list(reports or find_reports(project, ctx.settings))
    if not paths:
        from assay.errors import UsageError

        raise UsageError(
            f"no completion report in {project}",
            hint="pass a report: assay claims REPORT.md, or declare [claims] reports",
        )
    check = check_claims(paths, measurements_for(project, ctx), project)
    if output is not None and output_format is None:
        # The release before wrote the JSON document to -o and the table to stdout.
        deprecated(
            "-o without -f writes the JSON document, as before; from the next release "
            "-o writes the output of -f: give -f json"
        )
        with output_to(output):
            sys.stdout.write(registry.render(check, "json").decode())
        output, output_format = None, "text"
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(registry.render(check, "json").decode())
        else:
            from assay.cli.output.reports import print_claims

            print_claims(check)
        if check.count(Verdict.CONTRADICTED):
            raise typer.Exit(1)


def sixsigma(
    path: PathArg = None,
    project: ProjectOpt = Path(),
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            metavar="KIND.FIGURE",
            help="A figure to chart, as kind.figure (e.g. coverage.line_rate).",
            show_default=False,
        ),
    ] = None,
    runs: Annotated[
        int, typer.Option("--runs", "-n", metavar="N", min=1, help="How many runs.")
    ] = 30,
    nelson: Annotated[
        bool, typer.Option("--nelson", help="Nelson's eight rules instead of Western Electric.")
    ] = False,
    output_format: Annotated[
        str | None, format_option("text", "json", "markdown", "html", aliases=TABLE)
    ] = None,
    output: OutputOpt = None,
    charts: Annotated[
        Path | None,
        typer.Option(
            "--charts",
            metavar="DIR",
            help="Folder for the charts and the report (default: .assay/sixsigma).",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """DPMO, sigma level and yields per run; a p chart of the defect rate over the runs;
    with --metric an individuals chart, run-rule signals and, with [sixsigma.spec] limits,
    Cp/Cpk/Pp/Ppk (withheld when the process is out of control or the sample is small).
    Charts (SVG, PNG) and a Markdown and HTML report go to --charts (not with -f json);
    -f markdown and -f html print that report.

    \b
    Example:
      assay sixsigma -C . --metric coverage.line_rate --nelson
    """
    from assay.cli.context import command_context
    from assay.core.sixsigma import RuleSet
    from assay.formats import registry
    from assay.services.sixsigma import sixsigma_report

    project = project_from(project, path)
    if output is not None and output_format is None:
        # The release before took -o as the folder of the charts and the report.
        deprecated(
            "-o DIR for the charts is deprecated; use --charts DIR "
            "(with -f, -o FILE writes the output)"
        )
        charts, output = charts or output, None
    ctx = command_context(project, store)
    rules = RuleSet.NELSON if nelson else RuleSet.WESTERN_ELECTRIC
    report = sixsigma_report(ctx, project, runs=runs, metric=metric, rules=rules)
    if output_format == "json":
        with output_to(output):
            sys.stdout.write(registry.render(report, "json").decode())
        return
    from assay.cli.plain import write_atomically
    from assay.formats.sixsigma import chart_files, report_files

    folder = charts or ctx.settings.state_dir / "sixsigma"
    drawn = chart_files(report)
    files = drawn | report_files(report, drawn)
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        write_atomically(folder / name, data)
    markdown, html = folder / "report.md", folder / "report.html"
    shown = ", ".join(str(folder / name) for name in drawn) or "none"
    written = f"charts: {shown}\nreport: {markdown}, {html}"
    with output_to(output):
        if output_format in ("markdown", "html"):
            name = "report.md" if output_format == "markdown" else "report.html"
            sys.stdout.write(files[name].decode("utf-8"))
            print(written, file=sys.stderr)
            return
        from assay.cli.emit import say
        from assay.cli.output.reports import print_sixsigma

        print_sixsigma(report)
        say(written)
