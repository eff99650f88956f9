"""CLI: principals, API tokens, lockdowns and incidents.

The acting principal is ASSAY_PRINCIPAL, else git's user.email (or the login name), unless
ASSAY_TOKEN identifies it. Until the first principal exists, the local user acts with
every role.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from assay.cli.emit import json_text, record, say
from assay.cli.options import (
    JsonFlag,
    OutputOpt,
    ProjectOpt,
    StoreOpt,
    example,
    format_option,
    json_alias,
    output_to,
)

if TYPE_CHECKING:
    from assay.services.context import Context

principal_app = typer.Typer(
    help="People and agents, with roles and a status.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens: shown once, stored as a hash.", no_args_is_help=True)
lockdown_app = typer.Typer(help="Freeze a release, a project or everything.", no_args_is_help=True)
incident_app = typer.Typer(help="Incidents and their timelines.", no_args_is_help=True)

FormatOpt = Annotated[str, format_option("text", "json")]


def _context(project: Path, store: str | None) -> tuple[Context, str, datetime]:
    from assay.cli.context import command_context

    ctx = command_context(project, store)
    return ctx, ctx.caller.name, datetime.now(UTC)


def _done(output_format: str, output: Path | None, text: str, data: dict[str, Any]) -> None:
    """What a command that changes something prints: a line, or its JSON."""
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(data))
        else:
            say(text)


@principal_app.command(
    "add", epilog=example("assay principal add root@example.com --role admin -C .")
)
def principal_add(
    name: Annotated[str, typer.Argument(help="Name, for example an email address.")],
    role: Annotated[
        list[str], typer.Option("--role", metavar="ROLE", help="A role; repeat for several.")
    ],
    agent: Annotated[bool, typer.Option("--agent", help="An AI agent, not a person.")] = False,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Add a principal. The first one should be an admin: from then on, only principals act."""
    from assay.services.access import add_principal

    ctx, actor, now = _context(project, store)
    kind = "agent" if agent else "person"
    add_principal(ctx, actor, name, kind, role, now)
    roles = sorted(role)
    text = f"added {kind} {name} with roles {', '.join(roles)}"
    _done(output_format, output, text, {"name": name, "kind": kind, "roles": roles})


@principal_app.command("list", epilog=example("assay principal list -C . -f json"))
def principal_list(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Principals with their kind, roles and status."""
    from assay.services.access import list_principals

    ctx, _, _ = _context(project, store)
    rows = [
        {
            "name": row.name,
            "kind": row.kind,
            "roles": sorted(r for r in row.roles.split(",") if r),
            "status": row.status,
        }
        for row in list_principals(ctx)
    ]
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(rows))
            return
        if not rows:
            say("no principals yet: the local user acts with every role")
        for row in rows:
            record(
                f"{row['name']}  {row['kind']}  {row['status']}",
                [("roles", ", ".join(row["roles"]))],
            )


@principal_app.command("suspend", epilog=example("assay principal suspend ci-bot -C ."))
def principal_suspend(
    name: Annotated[str, typer.Argument(help="Principal name.")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Suspend a principal: it can do nothing until restored."""
    from assay.services.access import suspend_principal

    ctx, actor, now = _context(project, store)
    suspend_principal(ctx, actor, name, now)
    _done(output_format, output, f"suspended {name}", {"name": name, "status": "suspended"})


@token_app.command(
    "issue", epilog=example("assay token issue ci-bot --scope certify --days 30 -C .")
)
def token_issue(
    principal: Annotated[str, typer.Argument(help="The principal the token acts as.")],
    scope: Annotated[
        list[str] | None,
        typer.Option("--scope", metavar="OP", help="An operation, or * for all; repeat."),
    ] = None,
    days: Annotated[int, typer.Option("--days", metavar="N", help="Days until it expires.")] = 30,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Issue an API token. It is printed once and stored only as its SHA-256.

    Admins issue tokens; any principal may issue its own. A token that can sign off
    (scope * or signoff), issued by an admin for someone else, acts only once a second
    admin approves it: assay token approve ID.
    """
    from assay.services.access import issue_token

    ctx, actor, now = _context(project, store)
    issued = issue_token(ctx, actor, principal, scope or ["*"], days, now)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(issued))
        else:
            print(issued.token)
    print(
        f"token {issued.id} for {principal}, expires {issued.expires_at:%Y-%m-%d}; "
        "it is not shown again",
        file=sys.stderr,
    )
    if issued.pending:
        print(
            "it can sign off for someone else: it acts once a second admin approves it "
            f"(assay token approve {issued.id})",
            file=sys.stderr,
        )


@token_app.command("approve", epilog=example("assay token approve TOKEN_ID -C ."))
def token_approve(
    token_id: Annotated[str, typer.Argument(help="Token id (from assay token list).")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Approve a pending sign-off token: a second admin, not the one who issued it."""
    from assay.services.access import approve_token

    ctx, actor, now = _context(project, store)
    holder = approve_token(ctx, actor, token_id, now)
    text = f"approved token {token_id} for {holder}"
    _done(output_format, output, text, {"id": token_id, "principal": holder, "approved": True})


@token_app.command("list", epilog=example("assay token list -C . -f json"))
def token_list(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Tokens (never their values): owner, scopes, expiry, whether revoked."""
    from assay.services.access import list_tokens

    ctx, actor, now = _context(project, store)
    rows = list_tokens(ctx, actor, now)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(rows))
            return
        if not rows:
            say("no tokens yet: assay token issue PRINCIPAL")
        for row in rows:
            state = (
                "revoked"
                if row["revoked"]
                else "awaiting a second admin's approval"
                if row["pending"]
                else f"expires {row['expires_at']}"
            )
            record(
                f"{row['id']}  {row['principal']}",
                [("scopes", str(row["scopes"])), ("state", state)],
            )


@token_app.command("revoke", epilog=example("assay token revoke TOKEN_ID -C ."))
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="Token id (from assay token list).")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Revoke a token at once."""
    from assay.services.access import revoke_token

    ctx, actor, now = _context(project, store)
    revoke_token(ctx, actor, token_id, now)
    text = f"revoked token {token_id}"
    _done(output_format, output, text, {"id": token_id, "revoked": True})


@lockdown_app.command(
    "start",
    epilog=example(
        "assay lockdown start --level 2 --scope project --target shipping-quotes \\",
        '    --reason "leaked token" -C .',
    ),
)
def lockdown_start(
    level: Annotated[
        int, typer.Option("--level", metavar="N", help="1 freeze, 2 also agents, 3 read-only.")
    ],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why.")],
    scope: Annotated[
        str, typer.Option("--scope", metavar="SCOPE", help="global, project or release.")
    ] = "global",
    target: Annotated[
        str | None,
        typer.Option("--target", metavar="T", help="Project name, or PROJECT@RELEASE."),
    ] = None,
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Start a lockdown; it opens an incident.

    Level 1 freezes new evidence, sign-offs and certificates in the scope; level 2 also
    suspends agents and revokes their tokens; level 3 refuses every change but lifting.
    """
    from assay.core.access import Scope
    from assay.errors import UsageError
    from assay.services.lockdown import start_lockdown

    try:
        chosen = Scope(scope)
    except ValueError as exc:
        raise UsageError(f"unknown scope {scope!r}", hint="global, project or release") from exc
    ctx, actor, now = _context(project, store)
    info = start_lockdown(
        ctx, actor, level=level, scope=chosen, target=target, reason=reason, now=now
    )
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(info))
            return
        say(f"level {info.level} lockdown {info.id} of {info.target or 'everything'}")
        say(f"incident {info.incident}")
        if info.suspended:
            say(f"suspended agents: {', '.join(info.suspended)}")


@lockdown_app.command("status", epilog=example("assay lockdown status -C . -f json"))
def lockdown_status(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Lockdowns in force."""
    from assay.services.lockdown import active_lockdowns

    ctx, _, _ = _context(project, store)
    rows = active_lockdowns(ctx)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(rows))
            return
        if not rows:
            say("no lockdown in force")
        for row in rows:
            record(
                f"{row.id}  level {row.level}",
                [
                    ("scope", f"{row.scope} {row.target or ''}".strip()),
                    ("incident", row.incident),
                    ("started", f"by {row.started_by} at {row.started_at:%Y-%m-%d %H:%M}"),
                    ("reason", row.reason),
                ],
            )


@lockdown_app.command(
    "lift", epilog=example('assay lockdown lift LOCKDOWN_ID --reason "token rotated" -C .')
)
def lockdown_lift(
    lockdown: Annotated[str, typer.Argument(help="Lockdown id (prefix) or its incident id.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT", help="Why it can be lifted.")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Lift a lockdown (admin or security): suspended agents get their status back."""
    from assay.services.lockdown import lift_lockdown

    ctx, actor, now = _context(project, store)
    info = lift_lockdown(ctx, actor, lockdown, reason, now)
    text = f"lifted lockdown {info.id} (incident {info.incident})"
    _done(output_format, output, text, {"id": info.id, "incident": info.incident, "lifted": True})


@incident_app.command(
    "open",
    epilog=example('assay incident open --title "..." --severity high --type security -C .'),
)
def incident_open(
    title: Annotated[str, typer.Option("--title", metavar="T", help="What happened.")],
    severity: Annotated[
        str, typer.Option("--severity", metavar="S", help="low, medium, high, critical.")
    ],
    kind: Annotated[
        str, typer.Option("--type", metavar="K", help="security, availability, quality...")
    ],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Open an incident (id INC-YYYYMMDD-NNN)."""
    from assay.services.lockdown import open_incident

    ctx, actor, now = _context(project, store)
    ident = open_incident(ctx, actor, type=kind, severity=severity, title=title, now=now)
    _done(output_format, output, ident, {"id": ident, "status": "open"})


@incident_app.command(
    "update",
    epilog=example('assay incident update INC-20261123-001 --status investigating --note "..."'),
)
def incident_update(
    incident: Annotated[str, typer.Argument(help="Incident id.")],
    status: Annotated[
        str, typer.Option("--status", metavar="S", help="open, investigating, resolved.")
    ],
    note: Annotated[str, typer.Option("--note", metavar="TEXT", help="What changed.")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Add to an incident's timeline."""
    from assay.services.lockdown import update_incident

    ctx, actor, now = _context(project, store)
    update_incident(ctx, actor, incident, status=status, note=note, now=now)
    _done(output_format, output, f"{incident}: {status}", {"id": incident, "status": status})


@incident_app.command(
    "resolve", epilog=example('assay incident resolve INC-20261123-001 --note "..." -C .')
)
def incident_resolve(
    incident: Annotated[str, typer.Argument(help="Incident id.")],
    note: Annotated[str, typer.Option("--note", metavar="TEXT", help="How it was resolved.")],
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
) -> None:
    """Resolve an incident."""
    from assay.services.lockdown import update_incident

    ctx, actor, now = _context(project, store)
    update_incident(ctx, actor, incident, status="resolved", note=note, now=now)
    _done(output_format, output, f"{incident}: resolved", {"id": incident, "status": "resolved"})


@incident_app.command("list", epilog=example("assay incident list -C . -f json"))
def incident_list(
    project: ProjectOpt = Path(),
    store: StoreOpt = None,
    output_format: FormatOpt = "text",
    output: OutputOpt = None,
    json_flag: JsonFlag = False,
) -> None:
    """Incidents with their timelines."""
    from assay.services.lockdown import list_incidents

    output_format = json_alias(output_format, json_flag)
    ctx, _, _ = _context(project, store)
    rows = list_incidents(ctx)
    with output_to(output):
        if output_format == "json":
            sys.stdout.write(json_text(rows))
            return
        if not rows:
            say("no incidents yet")
        for row in rows:
            record(
                f"{row['id']}  {row['severity']}  {row['status']}", [("title", str(row["title"]))]
            )
