"""Queries and inserts over the store's tables, in the caller's transaction."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Insert, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from assay.core.evidence import EvidenceItem, EvidenceRecord, evidence_seal
from assay.core.ids import EvidenceId, RunId
from assay.errors import AssayError, NotFoundError, StoreError, UsageError
from assay.store.locker import EvidenceLocker
from assay.store.models import Base, CertificateRow, EvidenceRow, ProjectRow, RunRow

__all__ = [
    "add_evidence",
    "add_run",
    "baseline_candidates",
    "count_rows",
    "ensure_project",
    "evidence_problem",
    "find_evidence",
    "find_run",
    "insert_or_ignore",
    "list_runs",
    "revoked_certificates",
    "to_record",
]


T = TypeVar("T")

_BACKENDS = "use SQLite (sqlite:///path/to/assay.db) or PostgreSQL (postgresql://user@host/db)"


def new_id() -> str:
    return str(uuid.uuid4())


def ensure_project(session: Session, name: str, root: str | None, now: datetime) -> ProjectRow:
    """The project named ``name``, created when missing; its root set to ``root`` if given.

    Idempotent under concurrency: writers that all find no row (four ``assay certify``
    on a new store) all insert with ON CONFLICT DO NOTHING, then read the one row that
    was kept. On PostgreSQL a loser's INSERT waits for the winner's transaction and its
    SELECT (READ COMMITTED) sees the committed row; on SQLite the INSERT takes the write
    lock, so the SELECT after it sees every committed row.
    """
    query = select(ProjectRow).where(ProjectRow.name == name)
    project = session.scalar(query)
    if project is None:
        session.execute(
            insert_or_ignore(session, ProjectRow, "name").values(
                id=new_id(), name=name, root=root, created_at=now
            )
        )
        project = session.scalars(query).one()
    if root and project.root != root:
        project.root = root
    return project


def insert_or_ignore(session: Session, row: type[Base], *conflict: str) -> Insert:
    """INSERT INTO ``row``'s table ... ON CONFLICT (``conflict``) DO NOTHING, in the
    session's dialect (SQLite or PostgreSQL): a row that exists already is kept as it is,
    and the statement does not fail."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(row).on_conflict_do_nothing(index_elements=list(conflict))
    if dialect == "sqlite":
        return sqlite.insert(row).on_conflict_do_nothing(index_elements=list(conflict))
    raise StoreError(f"the store does not support the {dialect} database", hint=_BACKENDS)


def add_run(session: Session, run: RunRow) -> RunRow:
    session.add(run)
    session.flush()
    return run


def add_evidence(
    session: Session, run: RunRow, item: EvidenceItem, sha256: str, collected_at: datetime
) -> EvidenceRow:
    row = EvidenceRow(
        id=new_id(),
        run_id=run.id,
        kind=item.kind.value,
        sha256=sha256,
        media_type=item.media_type,
        size=len(item.data),
        collected_at=collected_at,
        summary=item.summary,
        seal=evidence_seal(item.kind.value, sha256, _as_json(item.summary)),
    )
    session.add(row)
    return row


def _as_json(summary: object) -> object:
    """The summary as the JSON column gives it back (tuples become lists, keys strings)."""
    return json.loads(json.dumps(summary))


def list_runs(
    session: Session, limit: int, project: str | None = None, after: str | None = None
) -> Sequence[RunRow]:
    """Runs newest first; ``after`` is the id of the last run of the previous page."""
    query = (
        select(RunRow)
        .options(selectinload(RunRow.project), selectinload(RunRow.evidence))
        .order_by(RunRow.started_at.desc(), RunRow.id)
        .limit(limit)
    )
    if after:
        anchor = session.get(RunRow, after)
        if anchor is None:
            raise NotFoundError(f"unknown cursor {after!r}", hint="start again without one")
        query = query.where(
            or_(
                RunRow.started_at < anchor.started_at,
                (RunRow.started_at == anchor.started_at) & (RunRow.id > anchor.id),
            )
        )
    if project:
        query = query.join(ProjectRow).where(ProjectRow.name == project)
    return session.scalars(query).all()


def find_run(session: Session, ident: str) -> RunRow:
    """A run by id or unique id prefix."""
    rows = session.scalars(
        select(RunRow)
        .options(selectinload(RunRow.project), selectinload(RunRow.evidence))
        .where(RunRow.id.startswith(ident.lower(), autoescape=True))
        .limit(2)
    ).all()
    return _one(rows, "run", ident, "list runs with: assay runs")


def baseline_candidates(session: Session, project: str, kind: str) -> Sequence[RunRow]:
    """The project's runs that hold evidence of ``kind`` and are marked as baseline or were
    judged ready: marked ones first, then newest first."""
    return session.scalars(
        select(RunRow)
        .join(ProjectRow)
        .where(ProjectRow.name == project)
        .where((RunRow.baseline.is_(True)) | (RunRow.verdict == "ready"))
        .where(RunRow.evidence.any(EvidenceRow.kind == kind))
        .options(selectinload(RunRow.evidence))
        .order_by(RunRow.baseline.desc(), RunRow.started_at.desc(), RunRow.id)
        .limit(1)
    ).all()


def find_evidence(session: Session, ident: str) -> EvidenceRow:
    """Evidence by id, by SHA-256, or by a unique prefix of either."""
    ident = ident.lower().removeprefix("sha256:")
    if len(ident) < 4:
        raise UsageError(
            f"evidence id {ident!r} is too short", hint="give at least 4 characters of the id"
        )
    rows = session.scalars(
        select(EvidenceRow)
        .where(
            EvidenceRow.id.startswith(ident, autoescape=True)
            | EvidenceRow.sha256.startswith(ident, autoescape=True)
        )
        .order_by(EvidenceRow.collected_at.desc())
        .limit(50)
    ).all()
    if len({r.sha256 for r in rows}) == 1 and not any(r.id.startswith(ident) for r in rows):
        rows = rows[:1]  # the same blob in several runs: any of them shows the same bytes
    return _one(rows, "evidence", ident, "list runs and their evidence with: assay runs")


def count_rows(session: Session) -> dict[str, int]:
    """Row counts per table, to check that a failed command wrote nothing."""
    return {
        "projects": session.scalar(select(func.count()).select_from(ProjectRow)) or 0,
        "runs": session.scalar(select(func.count()).select_from(RunRow)) or 0,
        "evidence": session.scalar(select(func.count()).select_from(EvidenceRow)) or 0,
    }


def evidence_problem(row: EvidenceRow, locker: EvidenceLocker | None = None) -> str | None:
    """Why ``row`` may not be judged, or None: its summary, kind or blob digest no longer
    match the seal recorded when it was stored, or (given the ``locker``) its blob is
    missing or no longer matches its SHA-256."""
    if row.seal is None:
        return f"evidence {row.id} ({row.kind}) has no seal: it was not stored by Assay"
    if evidence_seal(row.kind, row.sha256, row.summary or {}) != row.seal:
        return (
            f"evidence {row.id} ({row.kind}) was altered after it was stored: "
            "its summary no longer matches its seal"
        )
    if locker is not None:
        # Checked with the blob (which reads a file per row anyway): purged evidence is gone
        # even when another piece with the same bytes keeps the blob.
        stone = row.tombstone
        if stone is not None:
            return (
                f"evidence {row.id} ({row.kind}) was purged under retention policy "
                f"{stone.policy} on {stone.purged_at:%Y-%m-%d}; its signed tombstone remains"
            )
        try:
            locker.get(row.sha256)
        except AssayError as exc:
            return f"evidence {row.id} ({row.kind}) cannot be trusted: {exc.message}"
    return None


def to_record(row: EvidenceRow, locker: EvidenceLocker | None = None) -> EvidenceRecord:
    """The row as a record; ``problem`` says why it may not be judged (see
    :func:`evidence_problem`; the blob is checked only when ``locker`` is given)."""
    return EvidenceRecord(
        id=EvidenceId(row.id),
        run_id=RunId(row.run_id),
        kind=row.kind,
        sha256=row.sha256,
        media_type=row.media_type,
        size=row.size,
        collected_at=row.collected_at,
        summary=dict(row.summary or {}),
        problem=evidence_problem(row, locker),
    )


def _one(rows: Sequence[T], what: str, ident: str, hint: str) -> T:
    if not rows:
        raise NotFoundError(f"no {what} matches {ident!r}", hint=hint)
    if len(rows) > 1:
        raise UsageError(f"{ident!r} matches more than one {what}", hint="give more characters")
    return rows[0]


def revoked_certificates(session: Session) -> Sequence[CertificateRow]:
    return session.scalars(
        select(CertificateRow).where(CertificateRow.revoked_at.is_not(None))
    ).all()
