"""CLI: principals, API tokens, lockdowns and incidents.

The acting principal is ASSAY_PRINCIPAL, else git's user.email (or the login name), unless
ASSAY_TOKEN identifies it. Until the first principal exists, the local user acts with
every role.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from assay.services.context import Context

principal_app = typer.Typer(
    help="People and agents, with roles and a status.", no_args_is_help=True
)
token_app = typer.Typer(help="API tokens: shown once, stored as a hash.", no_args_is_help=True)
lockdown_app = typer.Typer(help="Freeze a release, a project or everything.", no_args_is_help=True)
incident_app = typer.Typer(help="Incidents and their timelines.", no_args_is_help=True)

ProjectOpt = Annotated[Path, typer.Option("--project", "-C", help="Project folder.")]


def _context(project: Path) -> tuple[Context, str, datetime]:
    from assay.cli.context import command_context

    ctx = command_context(project)
    return ctx, ctx.caller.name, datetime.now(UTC)


@principal_app.command("add")
def principal_add(
    name: Annotated[str, typer.Argument(help="Name, for example an email address.")],
    role: Annotated[list[str], typer.Option("--role", help="A role; repeat for several.")],
    agent: Annotated[bool, typer.Option("--agent", help="An AI agent, not a person.")] = False,
    project: ProjectOpt = Path(),
) -> None:
    """Add a principal. The first one should be an admin: from then on, only principals act."""
    from assay.services.access import add_principal

    ctx, actor, now = _context(project)
    add_principal(ctx, actor, name, "agent" if agent else "person", role, now)
    print(f"added {'agent' if agent else 'person'} {name} with roles {', '.join(sorted(role))}")


@principal_app.command("list")
def principal_list(project: ProjectOpt = Path()) -> None:
    """Principals with their kind, roles and status."""
    from assay.services.access import list_principals

    ctx, _, _ = _context(project)
    rows = list_principals(ctx)
    if not rows:
        print("no principals yet: the local user acts with every role")
    for row in rows:
        print(f"{row.name}\t{row.kind}\t{row.roles}\t{row.status}")


@principal_app.command("suspend")
def principal_suspend(
    name: Annotated[str, typer.Argument(help="Principal name.")], project: ProjectOpt = Path()
) -> None:
    """Suspend a principal: it can do nothing until restored."""
    from assay.services.access import suspend_principal

    ctx, actor, now = _context(project)
    suspend_principal(ctx, actor, name, now)
    print(f"suspended {name}")


@token_app.command("issue")
def token_issue(
    principal: Annotated[str, typer.Argument(help="The principal the token acts as.")],
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="An operation, or * for all; repeat.")
    ] = None,
    days: Annotated[int, typer.Option("--days", help="Days until it expires.")] = 30,
    project: ProjectOpt = Path(),
) -> None:
    """Issue an API token. It is printed once and stored only as its SHA-256.

    Admins issue tokens; any principal may issue its own. A token that can sign off
    (scope * or signoff), issued by an admin for someone else, acts only once a second
    admin approves it: assay token approve ID.
    """
    from assay.services.access import issue_token

    ctx, actor, now = _context(project)
    issued = issue_token(ctx, actor, principal, scope or ["*"], days, now)
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


@token_app.command("approve")
def token_approve(
    token_id: Annotated[str, typer.Argument(help="Token id (from assay token list).")],
    project: ProjectOpt = Path(),
) -> None:
    """Approve a pending sign-off token: a second admin, not the one who issued it."""
    from assay.services.access import approve_token

    ctx, actor, now = _context(project)
    holder = approve_token(ctx, actor, token_id, now)
    print(f"approved token {token_id} for {holder}")


@token_app.command("list")
def token_list(project: ProjectOpt = Path()) -> None:
    """Tokens (never their values): owner, scopes, expiry, whether revoked."""
    from assay.services.access import list_tokens

    ctx, actor, now = _context(project)
    for row in list_tokens(ctx, actor, now):
        state = (
            "revoked"
            if row["revoked"]
            else "awaiting a second admin's approval"
            if row["pending"]
            else f"expires {row['expires_at']}"
        )
        print(f"{row['id']}\t{row['principal']}\t{row['scopes']}\t{state}")


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="Token id (from assay token list).")],
    project: ProjectOpt = Path(),
) -> None:
    """Revoke a token at once."""
    from assay.services.access import revoke_token

    ctx, actor, now = _context(project)
    revoke_token(ctx, actor, token_id, now)
    print(f"revoked token {token_id}")


@lockdown_app.command("start")
def lockdown_start(
    level: Annotated[int, typer.Option("--level", help="1 freeze, 2 also agents, 3 read-only.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    scope: Annotated[str, typer.Option("--scope", help="global, project or release.")] = "global",
    target: Annotated[
        str | None, typer.Option("--target", help="Project name, or PROJECT@RELEASE.")
    ] = None,
    project: ProjectOpt = Path(),
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
    ctx, actor, now = _context(project)
    info = start_lockdown(
        ctx, actor, level=level, scope=chosen, target=target, reason=reason, now=now
    )
    print(f"level {info.level} lockdown {info.id} of {info.target or 'everything'}")
    print(f"incident {info.incident}")
    if info.suspended:
        print(f"suspended agents: {', '.join(info.suspended)}")


@lockdown_app.command("status")
def lockdown_status(project: ProjectOpt = Path()) -> None:
    """Lockdowns in force."""
    from assay.services.lockdown import active_lockdowns

    ctx, _, _ = _context(project)
    rows = active_lockdowns(ctx)
    if not rows:
        print("no lockdown in force")
    for row in rows:
        print(
            f"{row.id}\tlevel {row.level}\t{row.scope} {row.target or ''}\t{row.incident}\t"
            f"by {row.started_by} at {row.started_at:%Y-%m-%d %H:%M}: {row.reason}"
        )


@lockdown_app.command("lift")
def lockdown_lift(
    lockdown: Annotated[str, typer.Argument(help="Lockdown id (prefix) or its incident id.")],
    reason: Annotated[str, typer.Option("--reason", help="Why it can be lifted.")],
    project: ProjectOpt = Path(),
) -> None:
    """Lift a lockdown (admin or security): suspended agents get their status back."""
    from assay.services.lockdown import lift_lockdown

    ctx, actor, now = _context(project)
    info = lift_lockdown(ctx, actor, lockdown, reason, now)
    print(f"lifted lockdown {info.id} (incident {info.incident})")


@incident_app.command("open")
def incident_open(
    title: Annotated[str, typer.Option("--title", help="What happened.")],
    severity: Annotated[str, typer.Option("--severity", help="low, medium, high, critical.")],
    kind: Annotated[str, typer.Option("--type", help="security, availability, quality...")],
    project: ProjectOpt = Path(),
) -> None:
    """Open an incident (id INC-YYYYMMDD-NNN)."""
    from assay.services.lockdown import open_incident

    ctx, actor, now = _context(project)
    print(open_incident(ctx, actor, type=kind, severity=severity, title=title, now=now))


@incident_app.command("update")
def incident_update(
    incident: Annotated[str, typer.Argument(help="Incident id.")],
    status: Annotated[str, typer.Option("--status", help="open, investigating, resolved.")],
    note: Annotated[str, typer.Option("--note", help="What changed.")],
    project: ProjectOpt = Path(),
) -> None:
    """Add to an incident's timeline."""
    from assay.services.lockdown import update_incident

    ctx, actor, now = _context(project)
    update_incident(ctx, actor, incident, status=status, note=note, now=now)
    print(f"{incident}: {status}")


@incident_app.command("resolve")
def incident_resolve(
    incident: Annotated[str, typer.Argument(help="Incident id.")],
    note: Annotated[str, typer.Option("--note", help="How it was resolved.")],
    project: ProjectOpt = Path(),
) -> None:
    """Resolve an incident."""
    from assay.services.lockdown import update_incident

    ctx, actor, now = _context(project)
    update_incident(ctx, actor, incident, status="resolved", note=note, now=now)
    print(f"{incident}: resolved")


@incident_app.command("list")
def incident_list(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    project: ProjectOpt = Path(),
) -> None:
    """Incidents with their timelines."""
    from assay.services.lockdown import list_incidents

    ctx, _, _ = _context(project)
    rows = list_incidents(ctx)
    if json_output:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    for row in rows:
        print(f"{row['id']}\t{row['severity']}\t{row['status']}\t{row['title']}")
