"""Lockdowns and incidents, as the services read them, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from assay.store.models import IncidentRow, LockdownRow, ProjectRow

__all__ = ["active", "incidents", "project_names"]


def active(session: Session) -> list[LockdownRow]:
    """Lockdowns in force, oldest first."""
    query = select(LockdownRow).where(LockdownRow.lifted_at.is_(None))
    return list(session.scalars(query.order_by(LockdownRow.started_at)))


def incidents(session: Session) -> list[IncidentRow]:
    """Every incident with its timeline (one query for all the events, not one each)."""
    query = select(IncidentRow).options(selectinload(IncidentRow.events))
    return list(session.scalars(query.order_by(IncidentRow.id)))


def project_names(session: Session) -> list[str]:
    return list(session.scalars(select(ProjectRow.name).order_by(ProjectRow.name)))
