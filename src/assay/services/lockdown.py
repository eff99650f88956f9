"""Lockdowns and incidents.

A lockdown freezes a scope (everything, a project, a release) at a level; starting one
opens an incident. Level 2 also suspends agents and revokes their tokens; lifting restores
the agents' status (tokens stay revoked). Incident ids are ``INC-YYYYMMDD-NNN``, numbered
per day by a counter row that concurrent openers update in turn.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from assay.core.access import Operation, Scope, Target
from assay.errors import NotFoundError, UsageError
from assay.services.access import authorize, forget_identities
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.store import lockdowns as lockdown_rows
from assay.store import repositories as repo
from assay.store.models import IncidentEventRow, IncidentRow, LockdownRow
from assay.store.principals import restore_agents, suspend_agents

__all__ = [
    "INCIDENT_STATUSES",
    "SEVERITIES",
    "LockdownInfo",
    "active_lockdowns",
    "get_incident",
    "lift_lockdown",
    "list_incidents",
    "open_incident",
    "start_lockdown",
    "update_incident",
]

SEVERITIES = ("low", "medium", "high", "critical")
INCIDENT_STATUSES = ("open", "investigating", "resolved")
_LEVEL_SEVERITY = {1: "medium", 2: "high", 3: "critical"}


@dataclass(frozen=True)
class LockdownInfo:
    id: str
    level: int
    scope: str
    target: str | None
    reason: str
    started_by: str
    started_at: datetime
    incident: str
    suspended: list[str]


def start_lockdown(
    ctx: Context,
    actor: str,
    *,
    level: int,
    scope: Scope,
    target: str | None,
    reason: str,
    now: datetime,
) -> LockdownInfo:
    if level not in (1, 2, 3):
        raise UsageError(f"no lockdown level {level}", hint="1, 2 or 3")
    if (scope is Scope.GLOBAL) != (target is None):
        raise UsageError(
            "a global lockdown takes no target; a project or release lockdown needs one",
            hint="--scope project --target NAME, or --scope release --target PROJECT@RELEASE",
        )
    if not reason.strip():
        raise UsageError("a lockdown needs a reason", hint='--reason "why"')
    authorize(ctx, actor, Operation.START_LOCKDOWN, Target(), now)
    with ctx.transaction(exclusive=True) as session:
        if target is not None:
            _check_target(session, scope, target)
        title = f"level {level} lockdown of {target or 'everything'}: {reason}"
        incident = _new_incident(session, "lockdown", _LEVEL_SEVERITY[level], title, actor, now)
        suspended = suspend_agents(session, now) if level >= 2 else []
        row = LockdownRow(
            id=repo.new_id(),
            level=level,
            scope=scope.value,
            target=target,
            reason=reason,
            started_by=actor,
            started_at=now,
            incident_id=incident.id,
            suspended=json.dumps(suspended),
        )
        session.add(row)
        payload = {"level": level, "scope": scope.value, "incident": incident.id}
        events = [
            AuditEvent(actor, "incident.opened", incident.id, {"title": title}),
            AuditEvent(actor, "lockdown.started", target or "global", payload),
        ]
        audit_log(ctx.settings).record(session, events, now)
        info = _info(row)
    forget_identities(ctx)  # agents suspended
    return info


def lift_lockdown(
    ctx: Context, actor: str, lockdown: str, reason: str, now: datetime
) -> LockdownInfo:
    if not reason.strip():
        raise UsageError("lifting a lockdown needs a reason", hint='--reason "why"')
    authorize(ctx, actor, Operation.LIFT_LOCKDOWN, Target(), now)
    with ctx.transaction(exclusive=True) as session:
        row = _active(session, lockdown)
        row.lifted_by, row.lifted_at, row.lift_reason = actor, now, reason
        restore_agents(session, row.suspended)
        _timeline(
            session, row.incident_id, actor, "investigating", f"lockdown lifted: {reason}", now
        )
        event = AuditEvent(actor, "lockdown.lifted", row.target or "global", {"reason": reason})
        audit_log(ctx.settings).record(session, [event], now)
        info = _info(row)
    forget_identities(ctx)  # agents restored
    return info


def active_lockdowns(ctx: Context) -> list[LockdownInfo]:
    with ctx.transaction() as session:
        return [_info(row) for row in lockdown_rows.active(session)]


def open_incident(
    ctx: Context,
    actor: str,
    *,
    type: str,
    severity: str,
    title: str,
    now: datetime,
) -> str:
    if severity not in SEVERITIES:
        raise UsageError(f"unknown severity {severity!r}", hint=", ".join(SEVERITIES))
    if not title.strip():
        raise UsageError("an incident needs a title", hint='--title "what happened"')
    authorize(ctx, actor, Operation.OPEN_INCIDENT, Target(), now)
    with ctx.transaction(exclusive=True) as session:
        incident = _new_incident(session, type, severity, title, actor, now)
        event = AuditEvent(actor, "incident.opened", incident.id, {"title": title})
        audit_log(ctx.settings).record(session, [event], now)
        return incident.id


def update_incident(
    ctx: Context, actor: str, ident: str, *, status: str, note: str, now: datetime
) -> None:
    if status not in INCIDENT_STATUSES:
        raise UsageError(f"unknown status {status!r}", hint=", ".join(INCIDENT_STATUSES))
    authorize(ctx, actor, Operation.UPDATE_INCIDENT, Target(), now)
    with ctx.transaction(exclusive=True) as session:
        _timeline(session, ident, actor, status, note, now)
        event = AuditEvent(actor, f"incident.{status}", ident, {"note": note})
        audit_log(ctx.settings).record(session, [event], now)


def list_incidents(ctx: Context) -> list[dict[str, object]]:
    with ctx.transaction() as session:
        return [_incident(row) for row in lockdown_rows.incidents(session)]


def get_incident(ctx: Context, ident: str) -> dict[str, object]:
    with ctx.transaction() as session:
        row = session.get(IncidentRow, ident)
        if row is None:
            raise NotFoundError(f"no incident {ident}", hint="list them: assay incident list")
        return _incident(row)


def _incident(row: IncidentRow) -> dict[str, object]:
    return {
        "id": row.id,
        "type": row.type,
        "severity": row.severity,
        "status": row.status,
        "title": row.title,
        "opened_at": row.opened_at.isoformat(),
        "timeline": [
            {"at": e.at.isoformat(), "actor": e.actor, "status": e.status, "note": e.note}
            for e in row.events
        ],
    }


def _check_target(session: Session, scope: Scope, target: str) -> None:
    """A project lockdown names a project of the store; a release lockdown names
    PROJECT@RELEASE of one (the release may come later). Anything else is refused: a
    target is shown on /metrics and in every refusal it causes."""
    project, at, release = target.partition("@")
    if scope is Scope.RELEASE and (not at or not release.strip()):
        raise UsageError(
            f"release lockdown target {target!r} is not PROJECT@RELEASE",
            hint="--scope release --target shipping-quotes@2.3.0",
        )
    if scope is Scope.PROJECT and at:
        raise UsageError(
            f"project lockdown target {target!r} names a release",
            hint="--scope release for one release, or --target PROJECT",
        )
    if len(target) > 200 or any(not c.isprintable() or c in "\"'<>" for c in target):
        raise UsageError(
            f"lockdown target {target!r} holds characters no project or release name has",
            hint="name the project as Assay shows it: assay runs list",
        )
    known = lockdown_rows.project_names(session)
    if project not in known:
        shown = ", ".join(known[:10]) + (", ..." if len(known) > 10 else "")
        raise NotFoundError(
            f"no project {project!r} in this store",
            hint=f"projects: {shown}" if known else "certify the project first: assay certify",
        )


def _new_incident(
    session: Session, type: str, severity: str, title: str, actor: str, now: datetime
) -> IncidentRow:
    day = now.strftime("%Y%m%d")
    # One statement that both SQLite (3.35+) and PostgreSQL run atomically: concurrent
    # openers get consecutive numbers, never the same one.
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    number = (
        session.connection()
        .exec_driver_sql(
            f"INSERT INTO incident_counters (day, last) VALUES ({mark}, 1) "
            "ON CONFLICT (day) DO UPDATE SET last = incident_counters.last + 1 RETURNING last",
            (day,),
        )
        .scalar_one()
    )
    incident = IncidentRow(
        id=f"INC-{day}-{number:03d}",
        type=type,
        severity=severity,
        status="open",
        title=title,
        opened_by=actor,
        opened_at=now,
    )
    session.add(incident)
    session.flush()
    _timeline(session, incident.id, actor, "open", title, now)
    return incident


def _timeline(
    session: Session, ident: str, actor: str, status: str, note: str, now: datetime
) -> None:
    incident = session.get(IncidentRow, ident)
    if incident is None:
        raise NotFoundError(f"no incident {ident}", hint="list them: assay incident list")
    incident.status = status
    if status == "resolved":
        incident.resolved_at = now
    session.add(
        IncidentEventRow(
            id=repo.new_id(), incident_id=ident, at=now, actor=actor, status=status, note=note
        )
    )


def _active(session: Session, ident: str) -> LockdownRow:
    rows = [
        r for r in lockdown_rows.active(session) if r.id.startswith(ident) or r.incident_id == ident
    ]
    if len(rows) != 1:
        raise NotFoundError(
            f"no single active lockdown matches {ident!r}",
            hint="see them: assay lockdown status",
        )
    return rows[0]


def _info(row: LockdownRow) -> LockdownInfo:
    return LockdownInfo(
        id=row.id,
        level=row.level,
        scope=row.scope,
        target=row.target,
        reason=row.reason,
        started_by=row.started_by,
        started_at=row.started_at,
        incident=row.incident_id,
        suspended=[entry["name"] for entry in json.loads(row.suspended or "[]")],
    )
