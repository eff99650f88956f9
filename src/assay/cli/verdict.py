"""CLI: the evidence and the verdict: certify, gates, runs, evidence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.options import EnvironmentOpt, ProjectArg, ProjectOpt, PythonOpt, StoreOpt

evidence_app = typer.Typer(help="Look at stored evidence.", no_args_is_help=True)
runs_app = typer.Typer(help="Certify runs: list them, mark a baseline.")


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
    from assay.cli.output import RichProgress
    from assay.cli.output.verdict import print_certify_result
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
    from assay.cli.output.verdict import print_gates
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
    from assay.cli.output.verdict import print_runs
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
    from assay.cli.output.verdict import print_evidence
    from assay.services.runs import show_evidence

    ctx = command_context(project, store)
    record, data = show_evidence(ctx, ident)
    if raw:
        sys.stdout.buffer.write(data)
        return
    print_evidence(record, data)
