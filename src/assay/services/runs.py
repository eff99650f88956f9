"""Reading stored runs and evidence back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assay.core.evidence import EvidenceRecord
from assay.errors import NotFoundError
from assay.settings import Settings
from assay.store import repositories as repo
from assay.store.database import Store

__all__ = ["RunListing", "list_runs", "show_evidence"]


@dataclass(frozen=True)
class RunListing:
    id: str
    project: str
    commit: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str
    verdict: str | None
    evidence: tuple[EvidenceRecord, ...]
    baseline: bool = False


def list_runs(
    settings: Settings, *, limit: int = 20, project: str | None = None
) -> list[RunListing]:
    """The most recent runs, newest first (none when there is no store yet)."""
    try:
        store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    except NotFoundError:
        return []
    try:
        with store.transaction() as session:
            return [
                RunListing(
                    id=row.id,
                    project=row.project.name,
                    commit=row.commit,
                    started_at=row.started_at,
                    finished_at=row.finished_at,
                    status=row.status,
                    verdict=row.verdict,
                    evidence=tuple(repo.to_record(e) for e in row.evidence),
                    baseline=row.baseline,
                )
                for row in repo.list_runs(session, limit, project)
            ]
    finally:
        store.close()


def show_evidence(settings: Settings, ident: str) -> tuple[EvidenceRecord, bytes]:
    """One piece of evidence (by id, digest or unique prefix) and its verified bytes."""
    store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    try:
        with store.transaction() as session:
            record = repo.to_record(repo.find_evidence(session, ident))
        return record, store.locker.get(record.sha256)
    finally:
        store.close()
