"""/api/v1 routes for releases, sign-offs and certificates. Thin adapters over the
release and certificate services; state changes honour If-Match."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from assay.api import schemas
from assay.api.deps import CurrentCaller, IdempotencyKey, IfMatch, created, if_match, now
from assay.api.responses import READ, WRITE
from assay.core.signoff import Decision
from assay.services.certificates import (
    IssuedCertificate,
    get_certificate,
    issue_certificate,
    list_certificates,
    revocation_list,
    revoke_certificate,
)
from assay.services.releases import create_release, release_status, sign_off, update_release
from assay.services.renewal import renew_certificate
from assay.services.verify import verify_posted

__all__ = ["router"]

router = APIRouter(tags=["releases"])


def _status(request: Request, who: CurrentCaller, project: str, name: str) -> JSONResponse:
    status = release_status(who.ctx, project, name, now())
    request.app.state.count_gates(status.gates)
    body = schemas.Release.of(status)
    return JSONResponse(body.model_dump(mode="json"), headers={"ETag": f'"{body.etag}"'})


@router.post(
    "/projects/{project}/releases",
    status_code=201,
    responses=WRITE,
    response_model=schemas.Release,
)
def create(
    request: Request,
    who: CurrentCaller,
    project: str,
    body: schemas.ReleaseCreate,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """A release of the project bound to a run's evidence (default: the newest run)."""

    def make() -> schemas.Release:
        create_release(who.ctx, project, body.name, run=body.run, by=who.name, now=now())
        return schemas.Release.of(release_status(who.ctx, project, body.name, now()))

    return created(who, key, request, [project, body], make)


@router.get("/projects/{project}/releases/{name}", responses=READ, response_model=schemas.Release)
def status(request: Request, who: CurrentCaller, project: str, name: str) -> JSONResponse:
    """Gates (judged now), role sign-offs and what is still missing; the ETag to send
    with If-Match on a sign-off or a rebind."""
    return _status(request, who, project, name)


@router.post(
    "/projects/{project}/releases/{name}/rebind", responses=WRITE, response_model=schemas.Release
)
def rebind(
    request: Request,
    who: CurrentCaller,
    project: str,
    name: str,
    body: schemas.ReleaseRebind,
    match: IfMatch = None,
) -> JSONResponse:
    """Bind the release to newer evidence; sign-offs of the old evidence become void."""
    update_release(
        who.ctx, project, name, run=body.run, now=now(), by=who.name, expect=if_match(match)
    )
    return _status(request, who, project, name)


@router.post(
    "/projects/{project}/releases/{name}/signoffs",
    status_code=201,
    responses=WRITE,
    response_model=schemas.Release,
)
def signoff(
    request: Request,
    who: CurrentCaller,
    project: str,
    name: str,
    body: schemas.SignoffCreate,
    match: IfMatch = None,
) -> JSONResponse:
    """Sign off for a role the caller holds. With If-Match, refused (412) if the release
    or its sign-offs changed since it was read: no decision is made on stale state."""
    decisions = {
        "approve": Decision.APPROVE,
        "reject": Decision.REJECT,
        "conditional": Decision.CONDITIONAL,
    }
    sign_off(
        who.ctx,
        project,
        name,
        role=body.role,
        actor=who.name,
        decision=decisions[body.decision],
        condition=body.condition,
        due=body.due,
        now=now(),
        expect=if_match(match),
    )
    response = _status(request, who, project, name)
    response.status_code = 201
    return response


def _issued(who: CurrentCaller, issued: IssuedCertificate) -> schemas.IssuedCertificate:
    _, envelope = get_certificate(who.ctx, issued.id)  # as stored, not re-read
    return schemas.IssuedCertificate(
        id=issued.id,
        statement_sha256=issued.statement_sha256,
        valid_until=issued.valid_until,
        envelope=envelope,
        predecessor=issued.predecessor,
    )


@router.post(
    "/projects/{project}/releases/{name}/certificates",
    status_code=201,
    responses=WRITE,
    response_model=schemas.IssuedCertificate,
)
def issue(
    request: Request, who: CurrentCaller, project: str, name: str, key: IdempotencyKey = None
) -> JSONResponse:
    """Sign a readiness certificate, or refuse, listing everything still missing."""

    def make() -> schemas.IssuedCertificate:
        return _issued(who, issue_certificate(who.ctx, project, name, now=now(), actor=who.name))

    return created(who, key, request, [project, name], make)


@router.post(
    "/projects/{project}/releases/{name}/certificates/renew",
    status_code=201,
    responses=WRITE,
    response_model=schemas.IssuedCertificate,
)
def renew(
    request: Request, who: CurrentCaller, project: str, name: str, key: IdempotencyKey = None
) -> JSONResponse:
    """Judge the release again now and sign a successor of its newest unrevoked
    certificate (named in the successor's ``supersedes``), or refuse, listing everything
    still missing; a release without a certificate is refused (400)."""

    def make() -> schemas.IssuedCertificate:
        return _issued(who, renew_certificate(who.ctx, project, name, now=now(), actor=who.name))

    return created(who, key, request, [project, name], make)


@router.get("/certificates", responses=READ, tags=["certificates"])
async def certificates(who: CurrentCaller) -> list[schemas.Certificate]:
    return [schemas.Certificate.of(c) for c in list_certificates(who.ctx, now=now())]


@router.get("/certificates/revocations", responses=READ, tags=["certificates"])
def revocations(who: CurrentCaller) -> dict[str, Any]:
    """The signed revocation list (a DSSE envelope), for offline verification."""
    return revocation_list(who.ctx, now=now())


@router.get("/certificates/{ident}", responses=READ, tags=["certificates"])
async def certificate(who: CurrentCaller, ident: str) -> schemas.Certificate:
    """One certificate by id or statement digest (or a unique prefix)."""
    info, _ = get_certificate(who.ctx, ident, now=now())
    return schemas.Certificate.of(info)


@router.post("/certificates/{ident}/revoke", responses=WRITE, tags=["certificates"])
def revoke(who: CurrentCaller, ident: str, body: schemas.Revoke) -> schemas.Certificate:
    return schemas.Certificate.of(
        revoke_certificate(who.ctx, ident, body.reason, now=now(), actor=who.name)
    )


@router.post("/certificates/verify", responses=READ, tags=["certificates"])
def verify(
    who: CurrentCaller,
    envelope: dict[str, Any] = Body(description="A DSSE envelope (a certificate)."),
) -> schemas.Verification:
    """Verify a signed document with the server's trusted keys and its revocations."""
    outcome = verify_posted(who.ctx, envelope, now())
    if outcome.verified is not None:
        v = outcome.verified
        return schemas.Verification(
            valid=True,
            kind=v.kind,
            key_id=v.key_id,
            statement_sha256=v.statement_sha256,
            details=list(v.details),
        )
    assert outcome.failure is not None
    return schemas.Verification(
        valid=False, reason=str(outcome.failure.reason), detail=outcome.failure.detail
    )
