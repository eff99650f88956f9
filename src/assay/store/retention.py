"""Queries of retention: evidence with its releases and tombstone, legal holds."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.store.models import (
    EvidenceRow,
    LegalHoldRow,
    ProjectRow,
    ReleaseRow,
    RunRow,
    SignoffRow,
    TombstoneRow,
)

__all__ = [
    "active_holds",
    "evidence_rows",
    "release_names",
    "signed_digests",
    "tombstoned",
    "unpurged_sharing",
]


def evidence_rows(session: Session) -> Sequence[tuple[EvidenceRow, str]]:
    """Every piece of evidence with its project's name, oldest first."""
    query = (
        select(EvidenceRow, ProjectRow.name)
        .join(RunRow, EvidenceRow.run_id == RunRow.id)
        .join(ProjectRow, RunRow.project_id == ProjectRow.id)
        .order_by(EvidenceRow.collected_at, EvidenceRow.id)
    )
    return [(row, name) for row, name in session.execute(query)]


def release_names(session: Session) -> dict[str, tuple[str, ...]]:
    """Run id -> the names of the releases bound to it."""
    out: dict[str, list[str]] = {}
    for run_id, name in session.execute(select(ReleaseRow.run_id, ReleaseRow.name)):
        out.setdefault(run_id, []).append(name)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def signed_digests(session: Session) -> dict[tuple[str, str], tuple[str, ...]]:
    """(project, evidence digest) -> the releases with a sign-off on that evidence."""
    query = (
        select(ProjectRow.name, SignoffRow.evidence_digest, ReleaseRow.name)
        .join(ReleaseRow, SignoffRow.release_id == ReleaseRow.id)
        .join(ProjectRow, ReleaseRow.project_id == ProjectRow.id)
    )
    out: dict[tuple[str, str], set[str]] = {}
    for project, digest, release in session.execute(query):
        out.setdefault((project, digest), set()).add(release)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def tombstoned(session: Session) -> dict[str, TombstoneRow]:
    return {t.evidence_id: t for t in session.scalars(select(TombstoneRow))}


def active_holds(session: Session) -> Sequence[LegalHoldRow]:
    query = select(LegalHoldRow).where(LegalHoldRow.released_at.is_(None))
    return session.scalars(query.order_by(LegalHoldRow.placed_at, LegalHoldRow.id)).all()


def unpurged_sharing(session: Session, sha256: str) -> int:
    """How many pieces of evidence with this blob have no tombstone."""
    query = (
        select(EvidenceRow.id)
        .outerjoin(TombstoneRow, TombstoneRow.evidence_id == EvidenceRow.id)
        .where(EvidenceRow.sha256 == sha256, TombstoneRow.evidence_id.is_(None))
    )
    return len(session.scalars(query).all())
