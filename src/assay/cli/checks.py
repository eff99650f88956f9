"""CLI: code and project checks: quality, check secrets|docs|monitoring|slo|performance."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.options import (
    JsonFlag,
    OutputOpt,
    PathArg,
    ProjectOpt,
    StoreOpt,
    deprecated,
    example,
    format_option,
    json_alias,
    output_to,
    project_from,
)

check_app = typer.Typer(help="Checks that produce evidence for the gates.", no_args_is_help=True)

TABLE = {"table": "text"}
"""``-f table``: the name of the text format in the release before."""


def quality(
    path: PathArg = None,
    project: ProjectOpt = Path(),
    output_format: Annotated[str, format_option("text", "json", "sarif", aliases=TABLE)] = "text",
    output: OutputOpt = None,
) -> None:
    """Power-of-Ten rules adapted to Python, and theater in shipped code and tests.

    Exit 0 with no theater finding, 1 with some; smoke tests (TH-T006, a test that passes
    unless the code raises) are listed as info and do not count. Results are cached by each
    file's content, so an unchanged tree is analysed again in a fraction of a second.

    \b
    Example:
      assay quality -C . -f sarif -o quality.sarif
    """
    from assay.formats import registry
    from assay.services.quality import analyse_tree
    from assay.settings import load_settings

    project = project_from(project, path)
    settings = load_settings(project)
    report = analyse_tree(project, cache_file=settings.cache_dir / "quality.json")
    with output_to(output):
        if output_format in registry.formats_of(type(report)):
            sys.stdout.write(registry.render(report, output_format).decode())
        else:
            from assay.cli.output.checks import print_quality

            print_quality(report)
        if report.theater:
            raise typer.Exit(1)


@check_app.command("secrets", epilog=example("assay check secrets -C . --history"))
def check_secrets_command(
    path: PathArg = None,
    project: ProjectOpt = Path(),
    history: Annotated[
        bool, typer.Option("--history", help="Also scan lines added in git history.")
    ] = False,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
    json_flag: JsonFlag = False,
) -> None:
    """Committed credentials: known token formats and secret-looking assignments.

    Honours .gitignore and skips binaries and vendored folders. Output shows a redaction
    and a fingerprint, never the value; accept a finding with [[secrets.allow]] in
    assay.toml (fingerprint, reason, owner, expires). Findings in test code and test data
    (tests/, fixtures/, conftest.py, test_*.py...) are listed as test fixtures and do not
    count unless [secrets] fail_on_test_fixtures = true. Exit 1 when any counted finding
    is in force.
    """
    from assay.cli.emit import say
    from assay.services.secrets_check import check_secrets, to_json
    from assay.settings import load_settings

    project = project_from(project, path)
    output_format = json_alias(output_format, json_flag)
    result = check_secrets(project, load_settings(project), history=history)
    for entry in result.expired:
        print(f"warning: allowance {entry.subject} expired on {entry.expires}", file=sys.stderr)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(to_json(result))
        else:
            for finding in (*result.findings, *result.test_fixtures):
                where = f" (commit {finding.commit[:12]})" if finding.commit else ""
                mark = "[test fixture] " if finding.test_fixture else ""
                say(
                    f"{finding.path}:{finding.line}: {mark}{finding.rule} {finding.redacted} "
                    f"fingerprint {finding.fingerprint}{where}"
                )
            counted = "counted" if result.fail_on_test_fixtures else "not counted"
            say(
                f"{len(result.findings)} secret(s) in force, {len(result.test_fixtures)} in "
                f"test fixtures ({counted}), {len(result.allowed)} allowed"
            )
        if result.failing:
            raise typer.Exit(1)


@check_app.command("docs", epilog=example("assay check docs -C . -f text"))
def check_docs_command(
    path: PathArg = None,
    project: ProjectOpt = Path(),
    output_format: Annotated[str, format_option("json", "text")] = "json",
    output: OutputOpt = None,
) -> None:
    """Documentation: README, docs folder, changelog, docstring coverage, OpenAPI validity.

    Prints the JSON facts that certify stores as documentation evidence (-f text: the same,
    for people). Exit 1 when an OpenAPI document is present but invalid, or the project
    serves HTTP without one.
    """
    from assay.services.checks import check_docs, docs_document, docs_problems

    project = project_from(project, path)
    report = check_docs(project)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(docs_document(report))
        else:
            from assay.cli.output.checks import print_docs

            print_docs(report)
        if docs_problems(report):
            raise typer.Exit(1)


@check_app.command("monitoring", epilog=example("assay check monitoring -C . -f json"))
def check_monitoring_command(
    path: PathArg = None,
    project: ProjectOpt = Path(),
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
    json_flag: JsonFlag = False,
) -> None:
    """Monitoring readiness: health, readiness and metrics endpoints, instrumentation,
    Prometheus alert rules (checked as `promtool check rules` does), structured logging.

    Exit 1 when a rule file is invalid, or when the project has neither a health endpoint
    with metrics nor alert rules.
    """
    from assay.core.monitoring import monitoring_problems
    from assay.services.checks import check_monitoring, monitoring_document

    project = project_from(project, path)
    output_format = json_alias(output_format, json_flag)
    facts = check_monitoring(project)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(monitoring_document(facts))
        else:
            from assay.cli.output.checks import print_monitoring

            print_monitoring(facts)
        if monitoring_problems(facts):
            raise typer.Exit(1)


@check_app.command(
    "slo", epilog=example("assay check slo -C . --results load/locust_stats.csv -f json")
)
def check_slo_command(
    path: PathArg = None,
    project: ProjectOpt = Path(),
    results: Annotated[
        list[Path] | None,
        typer.Option(
            "--results",
            metavar="FILE",
            help="Load-test result file (locust *_stats.csv, k6 summary JSON, wrk output); "
            "repeat for several. Default: the ones found in the project.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
    json_flag: JsonFlag = False,
) -> None:
    """Load-test results against the service-level objectives in assay.toml [slo].

    Objectives: p95_ms and p99_ms (at most), min_throughput_rps (at least), max_error_rate
    (a fraction, at most). Each is judged on the worst result that measures it; one that no
    result measures is "unmeasured", never met. Exit 1 when any objective is missed or
    unmeasured.
    """
    from assay.core.slo import ObjectiveStatus
    from assay.services.slo import check_slo, slo_document
    from assay.settings import load_settings

    project = project_from(project, path)
    output_format = json_alias(output_format, json_flag)
    check = check_slo(project, load_settings(project), results=results)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(slo_document(check))
        else:
            from assay.cli.output.checks import print_slo

            print_slo(check)
        if check.status is not ObjectiveStatus.MET:
            raise typer.Exit(1)


@check_app.command(
    "performance",
    epilog=example("assay check performance -C . --results now.json --baseline 3f2a9c"),
)
def check_performance_command(
    path: PathArg = None,
    project: ProjectOpt = Path(),
    results: Annotated[
        Path | None,
        typer.Option(
            "--results",
            metavar="FILE",
            help="Benchmark results of this run (JSON).",
            show_default=False,
        ),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="FILE|RUN",
            help="Baseline results file, or a run id (default: the stored baseline run).",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("json", "text")] = "json",
    output: OutputOpt = None,
) -> None:
    """Compare benchmark results (pytest-benchmark or generic JSON) with a baseline.

    The baseline is --baseline (a file or a run), else the run marked with `assay runs
    baseline`, else the newest run judged ready. A change counts as a regression only
    beyond three standard errors of the difference (from the benchmarks' own statistics)
    and at least 5%. Prints each change and the overall overhead (JSON by default, -f
    text for people); exit 1 when any benchmark regressed.
    """
    from assay.cli.context import command_context
    from assay.services.performance import check_performance, performance_document

    if path is not None and path.is_file():
        deprecated("a positional results FILE is deprecated; use --results FILE")
        results, path = results or path, None
    project = project_from(project, path)
    ctx = command_context(project, store)
    check = check_performance(project, ctx, current=results, baseline=baseline)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(performance_document(check))
        else:
            from assay.cli.output.checks import print_performance

            print_performance(check)
        if check.comparison.regressions:
            raise typer.Exit(1)
