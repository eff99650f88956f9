"""The hand-off aggregate's queries and writes, in the caller's transaction or connection.

The state machine, permissions and audit entries stay in ``services.handoffs``; this
module holds only what reads and writes the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, func, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from assay.errors import UsageError
from assay.store.keyed import KeyedRead
from assay.store.models import EvidenceRow, HandoffRow, PrincipalRow, ProjectRow, RunRow

__all__ = [
    "evidence_of_project",
    "lock",
    "offers_due_by",
    "overdue_open",
    "page",
    "project_of_evidence",
    "project_of_run",
    "read",
    "roles_of",
    "set_columns",
    "state_counts",
    "unknown_principals",
]

_BY_ID = select(HandoffRow.__table__).where(HandoffRow.id == bindparam("id"))
_READ = KeyedRead(_BY_ID)
"""Built once (see ``access._BY_TOKEN``); a hot read (agents poll their hand-offs), made
on the driver's cursor (see ``store.keyed``)."""
_LOCKED = KeyedRead(_BY_ID.with_for_update())
_UPDATE = update(cast(Table, HandoffRow.__table__)).where(HandoffRow.id == bindparam("key"))
"""The columns set are the keys of the parameters given."""


def read(connection: Connection, ident: str) -> Any:
    """The hand-off's row (all columns), or None."""
    return _READ.first(connection, id=ident)


def lock(connection: Connection, ident: str) -> Any:
    """The hand-off's row, locked for the rest of the transaction; or None."""
    return _LOCKED.first(connection, id=ident)


def set_columns(session: Session, ident: str, changes: dict[str, Any]) -> None:
    session.execute(_UPDATE, {"key": ident, **changes})


def unknown_principals(session: Session, names: Sequence[str]) -> list[str]:
    """The names that are no principal of the store (none while it has no principal)."""
    if not names or session.scalar(select(PrincipalRow.id).limit(1)) is None:
        return []
    known = set(session.scalars(select(PrincipalRow.name).where(PrincipalRow.name.in_(names))))
    return [name for name in names if name not in known]


def roles_of(session: Session, name: str) -> list[str]:
    principal = session.scalar(select(PrincipalRow).where(PrincipalRow.name == name))
    return [r for r in principal.roles.split(",") if r] if principal else []


def page(
    session: Session,
    *,
    state: str | None,
    assignee: str | None,
    after: str | None,
    limit: int,
) -> list[HandoffRow]:
    """Up to ``limit`` hand-offs oldest first after the cursor ``after``, by state and
    assignee (a principal's name also matches hand-offs offered to its roles)."""
    query = select(HandoffRow).order_by(HandoffRow.created_at, HandoffRow.id)
    if state:
        query = query.where(HandoffRow.state == state)
    if assignee:
        query = query.where(
            or_(
                HandoffRow.assignee == assignee,
                HandoffRow.accepted_by == assignee,
                HandoffRow.assignee_role.in_(roles_of(session, assignee)),
            )
        )
    if after:
        anchor = session.get(HandoffRow, after)
        if anchor is None:
            raise UsageError(f"unknown cursor {after!r}", hint="start again without one")
        query = query.where(
            or_(
                HandoffRow.created_at > anchor.created_at,
                (HandoffRow.created_at == anchor.created_at) & (HandoffRow.id > anchor.id),
            )
        )
    return list(session.scalars(query.limit(limit)))


def state_counts(session: Session) -> dict[str, int]:
    query = select(HandoffRow.state, func.count()).group_by(HandoffRow.state)
    return {state: int(count) for state, count in session.execute(query).all()}


def overdue_open(session: Session, now: datetime, closed: Sequence[str]) -> list[HandoffRow]:
    """Hand-offs not in a ``closed`` state whose due date has passed, soonest due first."""
    return list(
        session.scalars(
            select(HandoffRow)
            .where(HandoffRow.state.not_in(closed))
            .where(HandoffRow.due.is_not(None), HandoffRow.due < now)
            .order_by(HandoffRow.due)
        )
    )


def offers_due_by(now: datetime, offered: str) -> Select[HandoffRow]:
    """The query of offers (state ``offered``) whose due date has passed."""
    return (
        select(HandoffRow)
        .where(HandoffRow.state == offered)
        .where(HandoffRow.due.is_not(None), HandoffRow.due < now)
    )


def project_of_run(session: Session, run_id: str) -> str | None:
    return session.scalar(select(ProjectRow.name).join(RunRow).where(RunRow.id == run_id))


def evidence_of_project(session: Session, ident: str, project: str) -> EvidenceRow | None:
    """The newest stored evidence of ``project`` with the digest or id ``ident``."""
    named = or_(EvidenceRow.sha256 == ident, EvidenceRow.id == ident)
    return session.scalars(
        select(EvidenceRow)
        .join(RunRow)
        .join(ProjectRow)
        .where(named, ProjectRow.name == project)
        .order_by(RunRow.started_at.desc())
    ).first()


def project_of_evidence(session: Session, ident: str) -> str | None:
    """The project of some stored evidence with the digest or id ``ident``."""
    named = or_(EvidenceRow.sha256 == ident, EvidenceRow.id == ident)
    return session.scalar(
        select(ProjectRow.name).join(RunRow).join(EvidenceRow).where(named).limit(1)
    )
