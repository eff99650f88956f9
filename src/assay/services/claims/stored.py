"""What the project's store holds for claims: the newest run's evidence, the newest
release's approvals. Every read goes through ``_read_store``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast

from assay.collectors.pyproject import project_name
from assay.errors import NotFoundError
from assay.services.context import Context

T = TypeVar("T")


def _read_store(ctx: Context, read: Callable[[Any, Any], T]) -> T | None:
    """What ``read(session, locker)`` finds in the project's store, in one transaction;
    None when the project has no store yet (claims are then judged on the tree)."""
    try:
        store = ctx.store(create=False)
    except NotFoundError:
        return None
    with store.transaction() as session:
        return read(session, store.locker)


def _stored_summaries(ctx: Context, project: Path) -> tuple[dict[str, Mapping[str, Any]], str]:
    from assay.store import repositories as repo

    def read(session: Any, locker: Any) -> tuple[dict[str, Mapping[str, Any]], str]:
        rows = repo.list_runs(session, 1, project_name(project))
        if not rows:
            return {}, "no stored run"
        # Only verified evidence measures a claim: an altered summary or blob is left out,
        # and the claims it would have settled stay unverifiable.
        records = [repo.to_record(e, locker) for e in rows[0].evidence]
        return {r.kind: r.summary for r in records if r.problem is None}, f"run {rows[0].id}"

    return _read_store(ctx, read) or ({}, "no stored run")


def _stored_approvals(ctx: Context, project: Path) -> tuple[set[str], str] | None:
    """Roles whose quorum of valid approvals the project's newest release has, as
    ``assay release status`` judges them."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from assay.services.releases import release_status
    from assay.store.models import ProjectRow, ReleaseRow

    def newest(session: Any, _locker: Any) -> str | None:
        return cast(
            "str | None",
            session.scalars(
                select(ReleaseRow.name)
                .join(ProjectRow, ReleaseRow.project_id == ProjectRow.id)
                .where(ProjectRow.name == project_name(project))
                .order_by(ReleaseRow.created_at.desc())
                .limit(1)
            ).first(),
        )

    name = _read_store(ctx, newest)
    if name is None:
        return None
    status = release_status(ctx, project, name, datetime.now(UTC))
    approved = {
        r.role for r in status.roles if len(r.approved_by) >= r.needed and not r.rejected_by
    }
    return approved, name
