"""The audit log's reads (entries and signed checkpoints), in the caller's transaction.
Appending is ``services.audit_log``: it signs as it writes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.store.models import AuditCheckpointRow, AuditEntryRow

__all__ = ["checkpoints", "entries", "leaf_hashes"]


def checkpoints(session: Session, limit: int) -> list[AuditCheckpointRow]:
    """The newest signed checkpoints, newest first."""
    query = select(AuditCheckpointRow).order_by(AuditCheckpointRow.size.desc()).limit(limit)
    return list(session.scalars(query))


def leaf_hashes(session: Session, size: int) -> list[str]:
    """The leaf hashes of the first ``size`` entries, in order."""
    query = select(AuditEntryRow.leaf_hash).where(AuditEntryRow.seq < size)
    return list(session.scalars(query.order_by(AuditEntryRow.seq)))


def entries(
    session: Session,
    *,
    after: int | None,
    limit: int,
    action: str | None,
    actor: str | None,
    subject: str | None,
) -> list[AuditEntryRow]:
    """Up to ``limit`` entries in order after sequence number ``after``, filtered by
    action (a prefix), actor and subject."""
    table = AuditEntryRow
    query = select(table).order_by(table.seq).limit(limit)
    if after is not None:
        query = query.where(table.seq > after)
    if action:
        query = query.where(table.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(table.actor == actor)
    if subject:
        query = query.where(table.subject == subject)
    return list(session.scalars(query))
