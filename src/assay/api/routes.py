"""/api/v1 routes for projects, runs, evidence uploads and gates. Thin adapters over the
services: parse, call one service, shape the answer."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from assay.api import schemas
from assay.api.deps import CurrentCaller, IdempotencyKey, created, now
from assay.api.responses import READ, WRITE
from assay.errors import UsageError
from assay.services.gates import judge_stored_run
from assay.services.runs import RunListing, get_run, list_projects, list_runs, show_evidence
from assay.services.uploads import UPLOAD_KINDS, UploadedFile, record_upload

__all__ = ["router"]

router = APIRouter(tags=["evidence"])

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Cursor = Annotated[str | None, Query(max_length=100, description="From the previous page.")]


@router.get("/projects", responses=READ)
async def projects(who: CurrentCaller) -> list[schemas.Project]:
    """Every project with runs in the store."""
    return [schemas.Project.model_validate(p) for p in list_projects(who.ctx)]


@router.get("/runs", responses=READ)
async def runs(
    who: CurrentCaller,
    limit: Limit = 20,
    cursor: Cursor = None,
    project: Annotated[str | None, Query(max_length=200)] = None,
) -> schemas.RunPage:
    """Runs, newest first, with their evidence."""
    found = list_runs(who.ctx, limit=limit + 1, project=project, after=cursor)
    page = found[:limit]
    more = len(found) > limit
    return schemas.RunPage(
        items=[_run(r) for r in page], next_cursor=page[-1].id if more and page else None
    )


@router.get("/runs/{run}", responses=READ)
async def run(who: CurrentCaller, run: str) -> schemas.Run:
    """One run (by id or a unique prefix) and its evidence."""
    return _run(get_run(who.ctx, run))


@router.get("/runs/{run}/gates", responses=READ)
def gates(request: Request, who: CurrentCaller, run: str) -> schemas.Gates:
    """The policy in force judged now against the run's evidence."""
    outcome = judge_stored_run(who.ctx, Path(), now().date(), run)
    request.app.state.count_gates(outcome)
    return schemas.Gates.of(outcome)


_UPLOAD_DOC = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        **{
                            kind: {"type": "array", "items": {"type": "string", "format": "binary"}}
                            for kind in UPLOAD_KINDS
                        },
                        "commit": {"type": "string", "pattern": "^[0-9a-f]{7,64}$"},
                    },
                }
            }
        },
        "required": True,
    }
}


@router.post(
    "/projects/{project}/runs",
    status_code=201,
    responses=WRITE | {413: {"description": "The upload is larger than [server] max_upload_bytes"}},
    openapi_extra=_UPLOAD_DOC,
    response_model=schemas.UploadedRun,
)
async def upload_run(
    request: Request, who: CurrentCaller, project: str, key: IdempotencyKey = None
) -> JSONResponse:
    """A run from CI: evidence files (fields sbom, junit, coverage, benchmarks, report),
    read and judged as certify does; gates without uploaded evidence are unknown."""
    limit = who.ctx.settings.server.max_upload_bytes
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise UsageError(
            "upload evidence as multipart/form-data",
            hint=f"one file per field: {', '.join(UPLOAD_KINDS)}",
        )
    form = await request.form(max_files=100, max_fields=10, max_part_size=limit)
    files: list[UploadedFile] = []
    total = 0
    commit = None
    for field, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            total += len(data)
            if total > limit:
                raise UploadTooLarge(limit)
            name = value.filename or field
            if "\x00" in name:  # as the input guard refuses it in JSON and the query
                raise UsageError(
                    f"the file name of field {field!r} contains a NUL character",
                    hint="send the file under a name without one",
                )
            files.append(UploadedFile(field, name, data))
        elif field == "commit":
            commit = value
        else:
            raise UsageError(f"field {field!r} is not a file", hint="send evidence as files")
    payload = sorted((f.kind, f.name, hashlib.sha256(f.data).hexdigest()) for f in files)

    def make() -> schemas.UploadedRun:
        uploaded = record_upload(who.ctx, who.name, project, files, now(), commit=commit)
        request.app.state.count_gates(uploaded.gates)
        return schemas.UploadedRun(
            run_id=uploaded.run_id,
            project=uploaded.project,
            evidence=[
                schemas.Evidence(id=r.id, kind=r.kind, sha256=r.sha256, summary=r.summary)
                for r in uploaded.records
            ],
            gates=schemas.Gates.of(uploaded.gates),
        )

    location = {"Location": f"/api/v1/projects/{project}/runs"}
    # Reading and judging the files is work for a thread, not for the event loop.
    response = await run_in_threadpool(
        created, who, key, request, [project, commit, payload], make, 201, location
    )
    if request.app.state.on_run_stored is not None and response.status_code == 201:
        await request.app.state.on_run_stored()
    return response


class UploadTooLarge(UsageError):
    """More bytes than the server accepts in one upload."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the upload is larger than {limit} bytes",
            hint="split it over several runs, or raise [server] max_upload_bytes",
        )


@router.get(
    "/evidence/{ident}",
    response_class=Response,
    responses=READ | {200: {"content": {"application/octet-stream": {}}}},
)
def evidence(who: CurrentCaller, ident: str) -> Response:
    """One piece of evidence by id or SHA-256 (or a unique prefix), verified against its
    digest; the body is the evidence document itself."""
    record, data = show_evidence(who.ctx, ident)
    return Response(
        data,
        media_type=record.media_type,
        headers={"ETag": f'"{record.sha256}"', "X-Evidence-Kind": record.kind},
    )


def _run(run: RunListing) -> schemas.Run:
    return schemas.Run(
        id=run.id,
        project=run.project,
        commit=run.commit,
        started_at=run.started_at,
        verdict=run.verdict,
        baseline=run.baseline,
        evidence=[
            schemas.Evidence(id=e.id, kind=e.kind, sha256=e.sha256, summary=e.summary)
            for e in run.evidence
        ],
    )
