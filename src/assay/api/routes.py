"""Read routes of /api/v1: runs and evidence. Thin adapters over the services."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from assay.services.runs import list_runs, show_evidence
from assay.settings import Settings

__all__ = ["router"]

router = APIRouter(tags=["evidence"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/runs")
def runs(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    project: str | None = None,
) -> list[dict[str, Any]]:
    """The newest certify runs, with their evidence."""
    return [
        {
            "id": run.id,
            "project": run.project,
            "commit": run.commit,
            "started_at": run.started_at.isoformat(),
            "verdict": run.verdict,
            "baseline": run.baseline,
            "evidence": [
                {"id": e.id, "kind": e.kind, "sha256": e.sha256, "summary": e.summary}
                for e in run.evidence
            ],
        }
        for run in list_runs(_settings(request), limit=limit, project=project)
    ]


@router.get("/evidence/{ident}", response_class=Response)
def evidence(request: Request, ident: str) -> Response:
    """One piece of evidence by id or SHA-256 (or a unique prefix), verified against its
    digest; the body is the evidence document itself."""
    record, data = show_evidence(_settings(request), ident)
    return Response(
        data,
        media_type=record.media_type,
        headers={"ETag": f'"{record.sha256}"', "X-Evidence-Kind": record.kind},
    )
