"""CLI: code and project checks: quality, check secrets|docs|monitoring|slo|performance."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.options import ProjectArg, StoreOpt

check_app = typer.Typer(help="Checks that produce evidence for the gates.", no_args_is_help=True)


class QualityFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"


def quality(
    path: ProjectArg = Path(),
    fmt: Annotated[
        QualityFormat, typer.Option("--format", "-f", help="Output format.")
    ] = QualityFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Power-of-Ten rules adapted to Python, and theater in shipped code and tests.

    Exit 0 with no theater finding, 1 with some; smoke tests (TH-T006, a test that passes
    unless the code raises) are listed as info and do not count. Results are cached by each
    file's content, so an unchanged tree is analysed again in a fraction of a second.
    """
    from assay.cli.plain import write_atomically
    from assay.formats import quality as quality_format
    from assay.services.quality import analyse_tree
    from assay.settings import load_settings

    settings = load_settings(path)
    report = analyse_tree(path, cache_file=settings.cache_dir / "quality.json")
    if fmt is QualityFormat.TABLE:
        from assay.cli.output.checks import print_quality

        print_quality(report)
    else:
        document = (
            quality_format.to_json(report)
            if fmt is QualityFormat.JSON
            else quality_format.to_sarif(report)
        )
        if output is None:
            sys.stdout.write(document)
        else:
            write_atomically(output, document)
    if report.theater:
        raise typer.Exit(1)


@check_app.command("secrets")
def check_secrets_command(
    path: ProjectArg = Path(),
    history: Annotated[
        bool, typer.Option("--history", help="Also scan lines added in git history.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the JSON document.")] = False,
) -> None:
    """Committed credentials: known token formats and secret-looking assignments.

    Honours .gitignore and skips binaries and vendored folders. Output shows a redaction
    and a fingerprint, never the value; accept a finding with [[secrets.allow]] in
    assay.toml (fingerprint, reason, owner, expires). Findings in test code and test data
    (tests/, fixtures/, conftest.py, test_*.py...) are listed as test fixtures and do not
    count unless [secrets] fail_on_test_fixtures = true. Exit 1 when any counted finding
    is in force.
    """
    from assay.services.secrets_check import check_secrets, to_json
    from assay.settings import load_settings

    result = check_secrets(path, load_settings(path), history=history)
    if json_output:
        sys.stdout.write(to_json(result))
    else:
        for finding in (*result.findings, *result.test_fixtures):
            where = f" (commit {finding.commit[:12]})" if finding.commit else ""
            mark = "[test fixture] " if finding.test_fixture else ""
            print(
                f"{finding.path}:{finding.line}: {mark}{finding.rule} {finding.redacted} "
                f"fingerprint {finding.fingerprint}{where}"
            )
        for entry in result.expired:
            print(
                f"warning: allowance {entry.fingerprint} expired on {entry.expires}",
                file=sys.stderr,
            )
        counted = "counted" if result.fail_on_test_fixtures else "not counted"
        print(
            f"{len(result.findings)} secret(s) in force, {len(result.test_fixtures)} in test "
            f"fixtures ({counted}), {len(result.allowed)} allowed"
        )
    if result.failing:
        raise typer.Exit(1)


@check_app.command("docs")
def check_docs_command(path: ProjectArg = Path()) -> None:
    """Documentation: README, docs folder, changelog, docstring coverage, OpenAPI validity.

    Prints the JSON facts that certify stores as documentation evidence. Exit 1 when an
    OpenAPI document is present but invalid, or the project serves HTTP without one.
    """
    from assay.services.checks import check_docs, docs_document, docs_problems

    report = check_docs(path)
    sys.stdout.write(docs_document(report))
    if docs_problems(report):
        raise typer.Exit(1)


@check_app.command("monitoring")
def check_monitoring_command(
    path: ProjectArg = Path(),
    json_output: Annotated[bool, typer.Option("--json", help="Print the JSON document.")] = False,
) -> None:
    """Monitoring readiness: health, readiness and metrics endpoints, instrumentation,
    Prometheus alert rules (checked as `promtool check rules` does), structured logging.

    Exit 1 when a rule file is invalid, or when the project has neither a health endpoint
    with metrics nor alert rules.
    """
    from assay.cli.output.checks import print_monitoring
    from assay.core.monitoring import monitoring_problems
    from assay.services.checks import check_monitoring, monitoring_document

    facts = check_monitoring(path)
    if json_output:
        sys.stdout.write(monitoring_document(facts))
    else:
        print_monitoring(facts)
    if monitoring_problems(facts):
        raise typer.Exit(1)


@check_app.command("slo")
def check_slo_command(
    path: ProjectArg = Path(),
    results: Annotated[
        list[Path] | None,
        typer.Option(
            "--results",
            help="Load-test result file (locust *_stats.csv, k6 summary JSON, wrk output); "
            "repeat for several. Default: the ones found in the project.",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the JSON document.")] = False,
) -> None:
    """Load-test results against the service-level objectives in assay.toml [slo].

    Objectives: p95_ms and p99_ms (at most), min_throughput_rps (at least), max_error_rate
    (a fraction, at most). Each is judged on the worst result that measures it; one that no
    result measures is "unmeasured", never met. Exit 1 when any objective is missed or
    unmeasured.
    """
    from assay.cli.output.checks import print_slo
    from assay.core.slo import ObjectiveStatus
    from assay.services.slo import check_slo, slo_document
    from assay.settings import load_settings

    check = check_slo(path, load_settings(path), results=results)
    if json_output:
        sys.stdout.write(slo_document(check))
    else:
        print_slo(check)
    if check.status is not ObjectiveStatus.MET:
        raise typer.Exit(1)


@check_app.command("performance")
def check_performance_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="Project folder, or a benchmark results file (default: the current folder).",
            show_default=False,
        ),
    ] = Path(),
    results: Annotated[
        Path | None,
        typer.Option("--results", help="Benchmark results of this run (JSON).", show_default=False),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="Baseline results file, or a run id (default: the stored baseline run).",
            show_default=False,
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Compare benchmark results (pytest-benchmark or generic JSON) with a baseline.

    The baseline is --baseline (a file or a run), else the run marked with `assay runs
    baseline`, else the newest run judged ready. A change counts as a regression only
    beyond three standard errors of the difference (from the benchmarks' own statistics)
    and at least 5%. Prints each change and the overall overhead; exit 1 when any
    benchmark regressed.
    """
    from assay.cli.context import command_context
    from assay.services.performance import check_performance, performance_document

    project = path
    if path.is_file():
        project, results = Path(), results or path
    ctx = command_context(project, store)
    check = check_performance(project, ctx, current=results, baseline=baseline)
    sys.stdout.write(performance_document(check))
    if check.comparison.regressions:
        raise typer.Exit(1)
