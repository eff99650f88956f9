"""/api/v1 routes for agent hand-offs. Thin adapters over the hand-off service; every
transition takes If-Match (the hand-off's version) and is audited by the service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from assay.api import schemas
from assay.api.deps import (
    CurrentCaller,
    IdempotencyKey,
    IfMatch,
    created,
    if_match,
    in_writer,
    now,
)
from assay.api.responses import READ, WRITE
from assay.core.handoff import Action
from assay.errors import PreconditionFailed
from assay.services.handoffs import (
    HandoffSpec,
    HandoffView,
    Submission,
    create_handoff,
    get_handoff,
    handoff_summary,
    list_handoffs,
    transition,
)

__all__ = ["router"]

router = APIRouter(tags=["hand-offs"])


def _answer(view: HandoffView, status: int = 200) -> Response:
    """The hand-off as JSON, serialised by pydantic in one step (agents poll this)."""
    body = schemas.Handoff.of(view).model_dump_json()
    headers = {"ETag": f'"{view.version}"'}
    return Response(body, status_code=status, media_type="application/json", headers=headers)


@router.post("/handoffs", status_code=201, responses=WRITE, response_model=schemas.Handoff)
def create(
    request: Request, who: CurrentCaller, body: schemas.HandoffCreate, key: IdempotencyKey = None
) -> JSONResponse:
    """Offer work to a principal or a role, with its project, context, acceptance
    criteria (at least one) and the principals besides the offerer who may review it."""
    spec = HandoffSpec(
        title=body.title,
        summary=body.summary,
        assignee=body.assignee,
        assignee_role=body.assignee_role,
        project=body.project,
        context=body.context.model_dump(mode="json"),
        criteria=[c.model_dump(exclude_none=True) for c in body.criteria],
        due=body.due,
        reviewers=tuple(body.reviewers),
    )

    def make() -> schemas.Handoff:
        return schemas.Handoff.of(create_handoff(who.ctx, who.name, spec, now()))

    response = created(who, key, request, body, make)
    response.headers["ETag"] = '"1"'
    return response


@router.get("/handoffs", responses=READ)
def listing(
    who: CurrentCaller,
    state: Annotated[str | None, Query(max_length=30)] = None,
    assignee: Annotated[str | None, Query(max_length=200, description="me: the caller")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> schemas.HandoffPage:
    """Hand-offs oldest first, by state and by assignee (``me`` for the caller; a
    principal also sees hand-offs offered to its roles)."""
    name = who.name if assignee == "me" else assignee
    found, following = list_handoffs(
        who.ctx, now(), state=state, assignee=name, after=cursor, limit=limit
    )
    return schemas.HandoffPage(items=[schemas.Handoff.of(v) for v in found], next_cursor=following)


@router.get("/handoffs/summary", responses=READ)
def summary(who: CurrentCaller) -> schemas.HandoffSummary:
    """Counts by state, open hand-offs, and those past their due date."""
    return schemas.HandoffSummary.model_validate(handoff_summary(who.ctx, now()))


@router.get("/handoffs/{ident}", responses=READ, response_model=schemas.Handoff)
async def get(who: CurrentCaller, ident: str) -> Response:
    """One hand-off; its ETag is the version to send with If-Match. (A single indexed
    read, made on the event loop: see ``deps.caller``.)"""
    return _answer(get_handoff(who.ctx, ident, now()))


async def _move(
    who: CurrentCaller,
    ident: str,
    action: Action,
    match: str | None,
    note: str = "",
    submission: Submission | None = None,
) -> Response:
    expected = if_match(match)
    version = None
    if expected is not None:
        if not expected.isdigit():
            raise PreconditionFailed(f"If-Match {match} is not a version of a hand-off")
        version = int(expected)
    view = await in_writer(
        who.ctx,
        lambda: transition(
            who.ctx,
            who.name,
            ident,
            action,
            now(),
            expect=version,
            submission=submission,
            note=note,
        ),
    )
    return _answer(view)


@router.post("/handoffs/{ident}/accept", responses=WRITE, response_model=schemas.Handoff)
async def accept(who: CurrentCaller, ident: str, match: IfMatch = None) -> Response:
    return await _move(who, ident, Action.ACCEPT, match)


@router.post("/handoffs/{ident}/decline", responses=WRITE, response_model=schemas.Handoff)
async def decline(
    who: CurrentCaller, ident: str, body: schemas.Note, match: IfMatch = None
) -> Response:
    return await _move(who, ident, Action.DECLINE, match, body.note)


@router.post("/handoffs/{ident}/start", responses=WRITE, response_model=schemas.Handoff)
async def start(who: CurrentCaller, ident: str, match: IfMatch = None) -> Response:
    return await _move(who, ident, Action.START, match)


@router.post("/handoffs/{ident}/submit", responses=WRITE, response_model=schemas.Handoff)
async def submit(
    who: CurrentCaller, ident: str, body: schemas.Submit, match: IfMatch = None
) -> Response:
    """Submit evidence (a run, and/or evidence digests); the acceptance checks run on it
    and their results are in the answer."""
    submission = Submission(run=body.run, evidence=tuple(body.evidence), note=body.note)
    return await _move(who, ident, Action.SUBMIT, match, submission=submission)


@router.post("/handoffs/{ident}/review", responses=WRITE, response_model=schemas.Handoff)
async def review(
    who: CurrentCaller, ident: str, body: schemas.Review, match: IfMatch = None
) -> Response:
    """Approve (only when every acceptance check passed) or request changes: only the
    principal who offered the hand-off or one it named as a reviewer, never the
    submitter."""
    action = Action.APPROVE if body.decision == "approve" else Action.REQUEST_CHANGES
    return await _move(who, ident, action, match, body.note)


@router.post("/handoffs/{ident}/cancel", responses=WRITE, response_model=schemas.Handoff)
async def cancel(
    who: CurrentCaller, ident: str, body: schemas.Note, match: IfMatch = None
) -> Response:
    return await _move(who, ident, Action.CANCEL, match, body.note)
