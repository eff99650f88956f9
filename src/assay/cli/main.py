"""The ``assay`` command."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from assay import __version__
from assay.cli import audit, governance, releases, trust
from assay.errors import AssayError
from assay.services.sbom_format import SbomFormat

app = typer.Typer(
    name="assay",
    help="Evidence-backed production readiness: no claim without evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
evidence_app = typer.Typer(help="Look at stored evidence.", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")
check_app = typer.Typer(help="Checks that produce evidence for the gates.", no_args_is_help=True)
app.add_typer(check_app, name="check")
runs_app = typer.Typer(help="Certify runs: list them, mark a baseline.")
app.add_typer(runs_app, name="runs")
vulndb_app = typer.Typer(
    help="The vulnerability database: import OSV data, check it, serve it.", no_args_is_help=True
)
app.add_typer(vulndb_app, name="vulndb")

ProjectArg = Annotated[
    Path, typer.Argument(help="Project folder (default: the current folder).", show_default=False)
]
ProjectOpt = Annotated[Path, typer.Option("--project", "-C", help="Project folder.")]
PythonOpt = Annotated[
    str | None,
    typer.Option(
        "--python",
        help="Inventory the environment of this interpreter or virtual environment folder.",
        show_default=False,
    ),
]
EnvironmentOpt = Annotated[
    bool,
    typer.Option(
        "--environment",
        help="Inventory the installed environment (the project's .venv, else the running "
        "Python) instead of lock files.",
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Store URL (default: sqlite in PROJECT/.assay).", show_default=False
    ),
]


def _version(value: bool) -> None:
    if value:
        print(f"assay {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Assay turns a project's real artifacts into signed evidence and a readiness verdict."""


@app.command()
def sbom(
    path: ProjectArg = Path(),
    python: PythonOpt = None,
    environment: EnvironmentOpt = False,
    fmt: Annotated[
        SbomFormat, typer.Option("--format", "-f", help="Document format.")
    ] = SbomFormat.CYCLONEDX_JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Check the document against the CycloneDX schema.")
    ] = False,
) -> None:
    """Write an SBOM for a project folder, a lock file or an installed environment.

    In a folder Assay reads the most exact source it finds: pylock.toml, uv.lock,
    poetry.lock, Pipfile.lock, requirements.txt, then the project's .venv, then
    pyproject.toml. The document's time is SOURCE_DATE_EPOCH when set, else the newest
    input's, so the same input gives the same bytes.
    """
    from assay.cli.plain import print_notices, write_atomically
    from assay.services.sbom import generate
    from assay.services.sbom import validate as validate_document

    inventory, document = generate(path, fmt, python=python, environment=environment)
    if validate:
        problems = validate_document(document, fmt)
        if problems:
            print(f"error: schema validation failed: {problems[0]}", file=sys.stderr)
            raise typer.Exit(1)
    if output is None:
        sys.stdout.write(document)
    else:
        write_atomically(output, document)
    print_notices(inventory, wrote=output)


@app.command()
def certify(
    path: ProjectArg = Path(),
    python: PythonOpt = None,
    environment: EnvironmentOpt = False,
    store: StoreOpt = None,
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            help="Who runs this certification (default: git user.email); the author may "
            "not sign off a release of the run.",
            show_default=False,
        ),
    ] = None,
    online: Annotated[
        bool | None,
        typer.Option(
            "--online/--offline",
            help="Whether the vulnerability step may ask the OSV API. Default: offline "
            "(only data imported with assay vulndb import) unless [vulnerabilities] source "
            "is online.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Collect evidence for the project, judge the gates and print the readiness verdict.

    Certify reaches the network only when asked (--online): offline, with no imported
    vulnerability data, the vulnerabilities are unknown. Exit 0 when every gate passes,
    1 when any gate fails or is unknown, 2 on bad input, 3 when the machine is the
    problem (store locked or read-only, database unreachable).
    """
    from assay.cli.context import command_context
    from assay.cli.output import RichProgress, print_certify_result
    from assay.services.certify import certify as certify_project
    from assay.settings import VulnerabilitySource

    ctx = command_context(path, store)
    source = None
    if online is not None:
        source = VulnerabilitySource.ONLINE if online else VulnerabilitySource.OFFLINE
    with RichProgress() as progress:
        result = certify_project(
            path,
            ctx,
            python=python,
            environment=environment,
            progress=progress,
            author=author,
            vulnerability_source=source,
        )
    print_certify_result(result)
    if result.report.verdict.value != "ready":
        raise typer.Exit(1)


class ClaimsFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


@app.command()
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
    from assay.cli.output import print_claims
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


@app.command()
def serve(
    project: ProjectOpt = Path(),
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    store: StoreOpt = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes, each listening on the port (SO_REUSEPORT): the kernel "
            "spreads connections over them.",
        ),
    ] = 1,
) -> None:
    """Run the team server: /health, /ready, /metrics, the /api/v1 routes (OpenAPI at
    /api/v1/openapi.json) and the MCP endpoint /mcp, over the project's store or --store.
    Requests need an API token (assay token issue); each request is logged as one JSON
    line on standard error.
    """

    from assay.serving import ServerOptions, run

    # The app logs each request as one JSON line, with its request id: no access log.
    quiet = {"log_level": "warning", "access_log": False}
    arguments = {"project": str(project.resolve()), "store": store}
    run(ServerOptions("assay.team_server:app_for", host, port, workers, quiet, arguments))


@app.command()
def mcp(project: ProjectOpt = Path(), store: StoreOpt = None) -> None:
    """Serve Assay's tools, resources and prompts to an AI agent over MCP on standard input
    and output, as the principal of ASSAY_TOKEN (the same server answers at /mcp in
    assay serve, with the caller's bearer token).
    """
    import os

    from assay.cli.context import TOKEN_VARIABLE, store_override
    from assay.settings import load_settings
    from assay.team_server import run_stdio

    settings = load_settings(project, store=store_override(store))
    run_stdio(settings, os.environ.get(TOKEN_VARIABLE) or None)


@app.command()
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
    from assay.cli.output import print_sixsigma
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


@app.command()
def gates(
    path: ProjectArg = Path(),
    run: Annotated[
        str | None,
        typer.Option("--run", help="Judge this run (default: the newest).", show_default=False),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    store: StoreOpt = None,
) -> None:
    """Judge the gate policy of assay.toml [gates] against a stored run's evidence.

    Every gate is reported at once, with what was measured, the threshold, and why. Missing
    or ambiguous evidence is unknown, which fails. Waivers apply until they expire; expired
    ones are listed. Exit 0 when every gate passes or is waived, else 1.
    """
    from datetime import UTC, datetime

    from assay.cli.context import command_context
    from assay.cli.output import print_gates
    from assay.services.gates import gates_document, judge_stored_run

    ctx = command_context(path, store)
    outcome = judge_stored_run(ctx, path, datetime.now(UTC).date(), run)
    if json_output:
        sys.stdout.write(gates_document(outcome))
    else:
        print_gates(outcome)
    if outcome.verdict.value != "ready":
        raise typer.Exit(1)


@runs_app.callback(invoke_without_command=True)
def runs(
    context: typer.Context,
    project: ProjectOpt = Path(),
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs.")] = 20,
    store: StoreOpt = None,
) -> None:
    """List the most recent certify runs, newest first (a * marks a baseline run)."""
    if context.invoked_subcommand:
        return
    from assay.cli.context import command_context
    from assay.cli.output import print_runs
    from assay.services.runs import list_runs

    ctx = command_context(project, store)
    print_runs(list_runs(ctx, limit=limit))


@runs_app.command("baseline")
def runs_baseline(
    run: Annotated[str, typer.Argument(help="Run id (a unique prefix is enough).")],
    clear: Annotated[bool, typer.Option("--clear", help="Unmark the run instead.")] = False,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Mark a run as its project's performance baseline.

    certify and `assay check performance` compare benchmarks with the newest marked run,
    or, when none is marked, with the newest run judged ready.
    """
    from assay.cli.context import command_context
    from assay.services.performance import mark_baseline

    ctx = command_context(project, store)
    from assay.collectors.git import current_user

    run_id, name = mark_baseline(ctx, run, marked=not clear, actor=current_user(project))
    state = "no longer a baseline" if clear else "is now the performance baseline"
    print(f"run {run_id} of {name} {state}")


@evidence_app.command("show")
def evidence_show(
    ident: Annotated[
        str, typer.Argument(help="Evidence id or SHA-256 (a unique prefix is enough).")
    ],
    project: Annotated[Path, typer.Option("--project", "-C", help="Project folder.")] = Path(),
    raw: Annotated[bool, typer.Option("--raw", help="Print only the evidence document.")] = False,
    store: StoreOpt = None,
) -> None:
    """Show one piece of evidence: what it is, where it came from, and its content."""
    from assay.cli.context import command_context
    from assay.cli.output import print_evidence
    from assay.services.runs import show_evidence

    ctx = command_context(project, store)
    record, data = show_evidence(ctx, ident)
    if raw:
        sys.stdout.buffer.write(data)
        return
    print_evidence(record, data)


class ScanFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CYCLONEDX = "cyclonedx"


@app.command()
def scan(
    path: ProjectArg = Path(),
    python: PythonOpt = None,
    environment: EnvironmentOpt = False,
    fmt: Annotated[
        ScanFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ScanFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Use only the imported database.")
    ] = False,
    online: Annotated[bool, typer.Option("--online", help="Use only the OSV API.")] = False,
    store: StoreOpt = None,
) -> None:
    """Match the project's dependencies against known vulnerabilities (OSV).

    Uses the imported database (assay vulndb import/sync) when there is one, else the OSV
    API. Exit 0 with no finding in force, 1 with findings, 3 when no vulnerability data
    could be consulted: that result is "unknown", never "no vulnerabilities".
    """
    from assay.cli.context import command_context
    from assay.cli.plain import print_scan_warnings, write_atomically
    from assay.services.scan import scan as scan_project
    from assay.settings import VulnerabilitySource

    if offline and online:
        raise typer.BadParameter("--offline and --online exclude each other")
    project = path if path.is_dir() else path.parent
    ctx = command_context(project, store)
    source = (
        VulnerabilitySource.OFFLINE if offline else VulnerabilitySource.ONLINE if online else None
    )
    outcome = scan_project(path, ctx, python=python, environment=environment, source=source)
    result = outcome.result
    if fmt is ScanFormat.TABLE:
        from assay.cli.output import print_scan

        print_scan(outcome.inventory, result)
        document = None
    elif fmt is ScanFormat.JSON:
        from assay.formats import scan_json

        document = scan_json.dumps(result)
    elif fmt is ScanFormat.SARIF:
        from assay.collectors._files import relative_path
        from assay.formats import sarif

        source_file = next(iter(outcome.inventory.sources), None)
        uri = relative_path(source_file.path if source_file else ".", project)
        document = sarif.to_sarif(result, artifact_uri=uri)
    else:
        from assay.formats import cyclonedx_vulns
        from assay.services.sbom import document_time

        document = cyclonedx_vulns.to_json(
            outcome.inventory, result, document_time(outcome.inventory)
        )
    if document is not None:
        if output is None:
            sys.stdout.write(document)
        else:
            write_atomically(output, document)
    print_scan_warnings(result, to_stderr=document is not None or output is not None)
    if result.status.value == "unknown":
        raise typer.Exit(3)
    if result.findings:
        raise typer.Exit(1)


class QualityFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"


@app.command()
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
        from assay.cli.output import print_quality

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
    from assay.cli.output import print_monitoring
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
    from assay.cli.output import print_slo
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


@vulndb_app.command("import")
def vulndb_import(
    source: Annotated[
        Path, typer.Argument(help="OSV export: a .zip of records, a folder, or one record.")
    ],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Replace the vulnerability database with an OSV export (for example PyPI/all.zip).

    Malformed records are left out and listed by id; the rest is imported in one
    transaction, so a failed import leaves the previous data in force.
    """
    from assay.cli.context import command_context
    from assay.cli.output import print_import
    from assay.services.vulndb import import_export

    ctx = command_context(project, store)
    from assay.collectors.git import current_user

    print_import(import_export(ctx, source, actor=current_user(project)))


@vulndb_app.command("status")
def vulndb_status(project: ProjectOpt = Path(), store: StoreOpt = None) -> None:
    """Show the database in force: snapshot digest, record count, newest record, age."""
    from assay.cli.context import command_context
    from assay.cli.output import print_snapshot
    from assay.errors import NotFoundError
    from assay.services.vulndb import snapshot_info

    ctx = command_context(project, store)
    try:
        info = snapshot_info(ctx.store(create=False))
    except NotFoundError:
        print_snapshot(None)
        raise typer.Exit(1) from None
    print_snapshot(info)
    if info is None:
        raise typer.Exit(1)


@vulndb_app.command("sync")
def vulndb_sync(
    url: Annotated[
        str | None, typer.Option("--url", help="Export to download (default from settings).")
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Download OSV's PyPI export and import it; offline, keep the current data and say so."""
    from assay.cli.context import command_context
    from assay.cli.output import print_import
    from assay.services.vulndb_sync import sync

    ctx = command_context(project, store)
    print_import(sync(ctx, url or ctx.settings.vulnerabilities.export_url))


@vulndb_app.command("serve")
def vulndb_serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8765,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
) -> None:
    """Serve the imported data as an OSV-compatible API (/v1/query, /v1/querybatch, /v1/vulns).

    Existing OSV clients work offline against it, for example:
    pip-audit --osv-url http://127.0.0.1:8765/v1/query
    """
    from assay.cli.context import command_context
    from assay.errors import NotFoundError
    from assay.services.vulndb import snapshot_info
    from assay.serving import ServerOptions, run

    ctx = command_context(project, store)
    info = snapshot_info(ctx.store(create=False))
    ctx.close()
    if info is None:
        raise NotFoundError(
            "the vulnerability database is empty", hint="import data first: assay vulndb import"
        )
    print(
        f"serving {info.record_count} OSV records (snapshot {info.digest[:12]}) "
        f"on http://{host}:{port}/v1/",
        file=sys.stderr,
        flush=True,
    )
    arguments = {"project": str(project.resolve()), "store": store}
    run(
        ServerOptions(
            "assay.api.osv_server:app_for", host, port, 1, {"log_level": "warning"}, arguments
        )
    )


# Commands defined in their own modules, after this module's, so --help lists the main
# flow (sbom, certify, gates...) first.
app.add_typer(trust.keys_app, name="keys")
app.add_typer(audit.audit_app, name="audit")
app.add_typer(governance.principal_app, name="principal")
app.add_typer(governance.token_app, name="token")
app.add_typer(governance.lockdown_app, name="lockdown")
app.add_typer(governance.incident_app, name="incident")
app.add_typer(releases.release_app, name="release")
app.add_typer(releases.certificate_app, name="certificate")
app.command("signoff")(releases.signoff)
app.command("provenance")(trust.provenance)
app.command("verify")(trust.verify)


def run() -> None:
    """Console-script entry point: map Assay's errors to one line, a hint and an exit code."""
    try:
        app()
    except AssayError as exc:
        from assay.cli.output import print_error

        print_error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("assay: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception:  # the top-level handler: a bug must not read as "not ready" (exit 1)
        import traceback

        traceback.print_exc()
        print(
            f"error: internal error in assay {__version__}; this is a bug, please report it "
            "with the traceback above",
            file=sys.stderr,
        )
        sys.exit(3)


if __name__ == "__main__":
    run()
