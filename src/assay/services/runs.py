"""Reading stored runs and evidence back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from assay.core.evidence import EvidenceRecord
from assay.errors import NotFoundError
from assay.services.context import Context
from assay.store import repositories as repo
from assay.store.models import ProjectRow, RunRow

__all__ = ["RunListing", "get_run", "list_projects", "list_runs", "show_evidence"]


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
    ctx: Context, *, limit: int = 20, project: str | None = None, after: str | None = None
) -> list[RunListing]:
    """The most recent runs, newest first (none when there is no store yet)."""
    try:
        store = ctx.store(create=False)
    except NotFoundError:
        return []
    with store.transaction() as session:
        return [_listing(row) for row in repo.list_runs(session, limit, project, after)]


def get_run(ctx: Context, ident: str) -> RunListing:
    """One run by id or unique prefix."""
    with ctx.transaction(create=False) as session:
        return _listing(repo.find_run(session, ident))


def show_evidence(ctx: Context, ident: str) -> tuple[EvidenceRecord, bytes]:
    """One piece of evidence (by id, digest or unique prefix) and its verified bytes."""
    store = ctx.store(create=False)
    with store.transaction() as session:
        record = repo.to_record(repo.find_evidence(session, ident))
    return record, store.locker.get(record.sha256)


def list_projects(ctx: Context) -> list[dict[str, object]]:
    """Every project with runs in the store: its run count and newest run."""
    with ctx.transaction(create=False) as session:
        counts = dict(
            session.execute(
                select(RunRow.project_id, func.count()).group_by(RunRow.project_id)
            ).all()
        )
        projects = []
        for project in session.scalars(select(ProjectRow).order_by(ProjectRow.name)):
            newest = repo.list_runs(session, 1, project.name)
            projects.append(
                {
                    "name": project.name,
                    "runs": int(counts.get(project.id, 0)),
                    "latest_run": newest[0].id if newest else None,
                    "latest_verdict": newest[0].verdict if newest else None,
                }
            )
        return projects


def _listing(row: RunRow) -> RunListing:
    return RunListing(
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
