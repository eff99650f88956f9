"""CLI: the evidence and the verdict: certify, gates, runs, evidence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from assay.cli.options import (
    EnvironmentOpt,
    JsonFlag,
    OutputOpt,
    PathArg,
    ProjectOpt,
    PythonOpt,
    StoreOpt,
    deprecated,
    example,
    format_option,
    json_alias,
    output_to,
    project_from,
)

if TYPE_CHECKING:
    from assay.services.runs import RunListing

evidence_app = typer.Typer(help="Look at stored evidence.", no_args_is_help=True)
runs_app = typer.Typer(
    help="Certify runs: list them, mark a baseline.",
    epilog=example("assay runs -C examples/shipping-quotes -n 5"),
)


def certify(
    path: PathArg = None,
    project: ProjectOpt = Path(),
    python: PythonOpt = None,
    environment: EnvironmentOpt = False,
    store: StoreOpt = None,
    author: Annotated[
        str | None,
        typer.Option(
            "--author",
            metavar="WHO",
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
    output_format: Annotated[str, format_option("text", "json", "markdown")] = "text",
    output: OutputOpt = None,
) -> None:
    """Collect evidence for the project, judge the gates and print the readiness verdict.

    Certify reaches the network only when asked (--online): offline, with no imported
    vulnerability data, the vulnerabilities are unknown. The report is also written under
    .assay/reports/RUN/; -f json and -f markdown print it. Exit 0 when every gate passes,
    1 when any gate fails or is unknown, 2 on bad input, 3 when the machine is the
    problem (store locked or read-only, database unreachable).

    \b
    Example:
      assay certify -C examples/shipping-quotes
    """
    from assay.cli.context import command_context
    from assay.cli.output import RichProgress
    from assay.services.certify import certify as certify_project
    from assay.settings import VulnerabilitySource

    project = project_from(project, path)
    ctx = command_context(project, store)
    source = None
    if online is not None:
        source = VulnerabilitySource.ONLINE if online else VulnerabilitySource.OFFLINE
    with RichProgress() as progress:
        result = certify_project(
            project,
            ctx,
            python=python,
            environment=environment,
            progress=progress,
            author=author,
            vulnerability_source=source,
        )
    with output_to(output):
        if output_format == "json":
            from assay.formats.report import to_json

            sys.stdout.write(to_json(result.report))
        elif output_format == "markdown":
            from assay.formats.report import to_markdown

            sys.stdout.write(to_markdown(result.report))
        else:
            from assay.cli.output.verdict import print_certify_result

            print_certify_result(result)
        if result.report.verdict.value != "ready":
            raise typer.Exit(1)


def gates(
    path: PathArg = None,
    project: ProjectOpt = Path(),
    run: Annotated[
        str | None,
        typer.Option(
            "--run", metavar="RUN", help="Judge this run (default: the newest).", show_default=False
        ),
    ] = None,
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
    json_flag: JsonFlag = False,
) -> None:
    """Judge the gate policy of assay.toml [gates] against a stored run's evidence.

    Every gate is reported at once, with what was measured, the threshold, and why. Missing
    or ambiguous evidence is unknown, which fails. Waivers apply until they expire; expired
    ones are listed. Exit 0 when every gate passes or is waived, else 1.

    \b
    Example:
      assay gates -C examples/shipping-quotes -f json
    """
    from datetime import UTC, datetime

    from assay.cli.context import command_context
    from assay.formats import registry
    from assay.services.gates import judge_stored_run

    project = project_from(project, path)
    output_format = json_alias(output_format, json_flag)
    ctx = command_context(project, store)
    outcome = judge_stored_run(ctx, project, datetime.now(UTC).date(), run)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(registry.render(outcome, "json").decode())
        else:
            from assay.cli.output.verdict import print_gates

            print_gates(outcome)
        if outcome.verdict.value != "ready":
            raise typer.Exit(1)


@runs_app.callback(invoke_without_command=True)
def runs(
    context: typer.Context,
    project: ProjectOpt = Path(),
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="How many runs.")
    ] = 20,
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """List the most recent certify runs, newest first (a * marks a baseline run)."""
    if context.invoked_subcommand:
        return
    from assay.cli.context import command_context
    from assay.services.runs import list_runs

    ctx = command_context(project, store)
    listed = list_runs(ctx, limit=limit)
    with output_to(output):
        if output_format == "json":
            from assay.cli.emit import json_text

            sys.stdout.write(json_text([_run_data(r) for r in listed]))
        else:
            from assay.cli.output.verdict import print_runs

            print_runs(listed)


def _run_data(run: RunListing) -> dict[str, object]:
    return {
        "id": run.id,
        "project": run.project,
        "commit": run.commit,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "status": run.status,
        "verdict": run.verdict,
        "baseline": run.baseline,
        "evidence": [{"id": e.id, "kind": e.kind, "sha256": e.sha256} for e in run.evidence],
    }


@runs_app.command(
    "baseline", epilog=example("assay runs baseline 3f2a9c -C examples/shipping-quotes")
)
def runs_baseline(
    run: Annotated[str, typer.Argument(help="Run id (a unique prefix is enough).")],
    clear: Annotated[bool, typer.Option("--clear", help="Unmark the run instead.")] = False,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("text", "json")] = "text",
    output: OutputOpt = None,
) -> None:
    """Mark a run as its project's performance baseline.

    certify and `assay check performance` compare benchmarks with the newest marked run,
    or, when none is marked, with the newest run judged ready.
    """
    from assay.cli.context import command_context
    from assay.cli.emit import json_text, say
    from assay.collectors.git import current_user
    from assay.services.performance import mark_baseline

    ctx = command_context(project, store)
    run_id, name = mark_baseline(ctx, run, marked=not clear, actor=current_user(project))
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text({"run": run_id, "project": name, "baseline": not clear}))
            return
        state = "no longer a baseline" if clear else "is now the performance baseline"
        say(f"run {run_id} of {name} {state}")


@evidence_app.command(
    "show",
    epilog=example("assay evidence show 31f731a4 -C examples/shipping-quotes -f raw"),
)
def evidence_show(
    ident: Annotated[
        str, typer.Argument(help="Evidence id or SHA-256 (a unique prefix is enough).")
    ],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: Annotated[str, format_option("text", "json", "raw")] = "text",
    output: OutputOpt = None,
    raw: Annotated[bool, typer.Option("--raw", hidden=True, help="Deprecated: -f raw.")] = False,
) -> None:
    """Show one piece of evidence: what it is, where it came from, and its content, after
    checking the stored bytes against their digest. -f raw prints only the content."""
    from assay.cli.context import command_context
    from assay.services.runs import show_evidence

    if raw:
        deprecated("--raw is deprecated; use -f raw")
        output_format = "raw"
    ctx = command_context(project, store)
    item, data = show_evidence(ctx, ident)
    with output_to(output):
        if output_format == "raw":
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        elif output_format == "json":
            from assay.cli.emit import json_text, plain_data

            sys.stdout.write(json_text({**plain_data(item), "content": _content(data)}))
        else:
            from assay.cli.output.verdict import print_evidence

            print_evidence(item, data)


def _content(data: bytes) -> object:
    """The evidence document: parsed when it is JSON, else its text."""
    import json

    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text
