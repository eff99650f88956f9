"""CLI: retention policies, purges and legal holds."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assay.cli.emit import json_text, record, say
from assay.cli.options import OutputOpt, ProjectOpt, StoreOpt, example, format_option, output_to

if TYPE_CHECKING:
    from assay.core.retention import Plan

retention_app = typer.Typer(help="Retention: what evidence is kept, purged or held, and why.")

FormatOpt = Annotated[str, format_option("text", "json")]


def _plan_data(plan: Plan) -> dict[str, Any]:
    from assay.core.retention import Decision

    return {
        "counts": {d.value: len(plan.of(d)) for d in Decision},
        "blobs_to_delete": list(plan.blobs_to_delete),
        "evidence": [
            {
                "id": k.piece.id,
                "project": k.piece.project,
                "run": k.piece.run,
                "kind": k.piece.kind,
                "sha256": k.piece.sha256,
                "releases": list(k.piece.releases),
                "decision": k.decision.value,
                "policy": k.policy or None,
                "until": k.until.isoformat() if k.until else None,
                "reason": k.reason,
            }
            for k in plan.items
        ],
    }


def _print_plan(plan: Plan, *, verbose: bool) -> None:
    from assay.core.retention import Decision

    for item in plan.items:
        if verbose or item.decision in (Decision.PURGE, Decision.HELD):
            piece = item.piece
            say(
                f"{item.decision.value:<6} {piece.kind:<16} {piece.id[:8]} "
                f"{piece.project} run {piece.run[:8]}: {item.reason}"
            )
    counts = ", ".join(f"{len(plan.of(d))} {d.value}" for d in Decision)
    say(f"{counts}; {len(plan.blobs_to_delete)} blob(s) would be deleted")


@retention_app.command(
    "plan", epilog=example("assay retention plan -C .", "assay retention plan -f json")
)
def plan(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="List kept evidence too, not only what would go.")
    ] = False,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """What retention would purge now, what legal holds keep, and why. Changes nothing."""
    from assay.cli.context import command_context
    from assay.services.retention import retention_plan

    result = retention_plan(command_context(project, store), datetime.now(UTC))
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(_plan_data(result)))
        else:
            _print_plan(result, verbose=show_all)


@retention_app.command("apply", epilog=example("assay retention apply -C . --yes"))
def apply(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    yes: Annotated[bool, typer.Option("--yes", help="Purge without asking.")] = False,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Purge the evidence whose retention ran out: the blob is deleted, a signed tombstone
    (digest, kind, policy, time) and an audit entry stay; held evidence is never purged."""
    from assay.cli.context import command_context
    from assay.core.retention import Decision
    from assay.services.retention import apply_retention, retention_plan

    ctx = command_context(project, store)
    now = datetime.now(UTC)
    going = retention_plan(ctx, now).of(Decision.PURGE)
    if going and not yes and not typer.confirm(f"Purge {len(going)} piece(s) of evidence?"):
        say("nothing purged (see: assay retention plan; purge with --yes)")
        raise typer.Exit(1)
    applied = apply_retention(ctx, now, ctx.caller.name)
    with output_to(output):
        if output_format == "json":
            data = {"purged": list(applied.purged), "blobs_deleted": list(applied.blobs_deleted)}
            sys.stdout.write(json_text(data))
        else:
            say(
                f"purged {len(applied.purged)} piece(s) of evidence, deleted "
                f"{len(applied.blobs_deleted)} blob(s); "
                f"{len(applied.plan.of(Decision.HELD))} held by legal hold"
            )


@retention_app.command(
    "hold",
    epilog=example(
        'assay retention hold --release 2.3.0 --reason "audit 2027" --owner legal@example.com'
    ),
)
def hold(
    reason: Annotated[str, typer.Option("--reason", help="Why the evidence is held.")],
    owner: Annotated[str, typer.Option("--owner", help="Who answers for the hold.")],
    release: Annotated[
        str | None,
        typer.Option(
            "--release", "-r", metavar="NAME", help="Hold one release (default: the whole project)."
        ),
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Place a legal hold: the project's (or one release's) evidence is never purged
    while the hold is in force."""
    from assay.cli.context import command_context
    from assay.collectors.pyproject import project_label
    from assay.services.retention import place_hold

    ctx = command_context(project, store)
    info = place_hold(
        ctx,
        project_label(project),
        release=release,
        reason=reason,
        owner=owner,
        now=datetime.now(UTC),
        actor=ctx.caller.name,
    )
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(info))
        else:
            what = f"release {info.release}" if info.release else "every run"
            say(f"legal hold {info.id} on {info.project} ({what}): {info.reason}")


@retention_app.command("holds", epilog=example("assay retention holds -C . -f json"))
def holds(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """The legal holds in force."""
    from assay.cli.context import command_context
    from assay.services.retention import list_holds

    found = list_holds(command_context(project, store))
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(found))
            return
        if not found:
            say("no legal hold in force")
        for h in found:
            record(
                f"{h.id}  {h.project}" + (f"@{h.release}" if h.release else ""),
                [("owner", h.owner), ("reason", h.reason), ("placed", f"{h.placed_at:%Y-%m-%d}")],
            )


@retention_app.command("release", epilog=example("assay retention release 3f2a9c1d -C ."))
def release_cmd(
    hold_id: Annotated[str, typer.Argument(metavar="HOLD", help="The hold's id (or its start).")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Release a legal hold; retention applies again to what it held."""
    from assay.cli.context import command_context
    from assay.services.retention import release_hold

    ctx = command_context(project, store)
    info = release_hold(ctx, hold_id, now=datetime.now(UTC), actor=ctx.caller.name)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(info))
        else:
            say(f"released legal hold {info.id} on {info.project}")
