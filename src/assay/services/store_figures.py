"""Figures of the store for the server's metrics: evidence stored, runs by verdict, open
hand-offs and the lockdown in force. Read at scrape time, so every server process sharing
a database reports the same figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from assay.core.handoff import TERMINAL
from assay.services.context import Context
from assay.store.models import EvidenceRow, HandoffRow, LockdownRow, RunRow

__all__ = ["StoreFigures", "store_figures"]


@dataclass(frozen=True)
class StoreFigures:
    evidence: dict[str, int]
    """Pieces of evidence stored, by kind."""
    evidence_bytes: int
    runs: dict[str, int]
    """Runs by verdict."""
    handoffs_open: dict[str, int]
    """Open hand-offs by state."""
    lockdowns: list[tuple[str, str, int]]
    """Active lockdowns: scope, target, level."""


def store_figures(ctx: Context) -> StoreFigures:
    with ctx.transaction(create=False) as session:
        evidence = session.execute(
            select(
                EvidenceRow.kind, func.count(), func.coalesce(func.sum(EvidenceRow.size), 0)
            ).group_by(EvidenceRow.kind)
        ).all()
        runs = session.execute(select(RunRow.verdict, func.count()).group_by(RunRow.verdict)).all()
        closed = [s.value for s in TERMINAL]
        handoffs = session.execute(
            select(HandoffRow.state, func.count())
            .where(HandoffRow.state.not_in(closed))
            .group_by(HandoffRow.state)
        ).all()
        locks = session.execute(
            select(LockdownRow.scope, LockdownRow.target, LockdownRow.level).where(
                LockdownRow.lifted_at.is_(None)
            )
        ).all()
    return StoreFigures(
        evidence={kind: int(n) for kind, n, _ in evidence},
        evidence_bytes=sum(int(size) for _, _, size in evidence),
        runs={(verdict or "none"): int(n) for verdict, n in runs},
        handoffs_open={state: int(n) for state, n in handoffs},
        lockdowns=[(scope, target or "", int(level)) for scope, target, level in locks],
    )
