"""/api/v1 routes for lockdowns, incidents, principals and tokens (admin). Thin adapters
over the access and lockdown services, which check every permission."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from assay.api import schemas
from assay.api.deps import CurrentCaller, IdempotencyKey, created, now
from assay.api.responses import READ, WRITE
from assay.core.access import Scope
from assay.services.access import (
    add_principal,
    approve_token,
    issue_token,
    list_principals,
    list_tokens,
    revoke_token,
    suspend_principal,
)
from assay.services.lockdown import (
    active_lockdowns,
    get_incident,
    lift_lockdown,
    list_incidents,
    open_incident,
    start_lockdown,
    update_incident,
)

__all__ = ["router"]

router = APIRouter()


@router.get("/lockdowns", responses=READ, tags=["lockdowns"])
async def lockdowns(who: CurrentCaller) -> list[schemas.Lockdown]:
    """The lockdowns in force."""
    return [schemas.Lockdown.of(info) for info in active_lockdowns(who.ctx)]


@router.post(
    "/lockdowns",
    status_code=201,
    responses=WRITE,
    tags=["lockdowns"],
    response_model=schemas.Lockdown,
)
def start(
    request: Request, who: CurrentCaller, body: schemas.LockdownStart, key: IdempotencyKey = None
) -> JSONResponse:
    """Start a lockdown (level 1 freezes evidence, sign-offs and certificates; 2 also
    suspends agents; 3 makes everything read-only); it opens an incident."""

    def make() -> schemas.Lockdown:
        info = start_lockdown(
            who.ctx,
            who.name,
            level=body.level,
            scope=Scope(body.scope),
            target=body.target,
            reason=body.reason,
            now=now(),
        )
        return schemas.Lockdown.of(info)

    return created(who, key, request, body, make)


@router.post("/lockdowns/{ident}/lift", responses=WRITE, tags=["lockdowns"])
def lift(who: CurrentCaller, ident: str, body: schemas.LockdownLift) -> schemas.Lockdown:
    return schemas.Lockdown.of(lift_lockdown(who.ctx, who.name, ident, body.reason, now()))


@router.get("/incidents", responses=READ, tags=["incidents"])
async def incidents(who: CurrentCaller) -> list[schemas.Incident]:
    return [schemas.Incident.model_validate(i) for i in list_incidents(who.ctx)]


@router.post(
    "/incidents",
    status_code=201,
    responses=WRITE,
    tags=["incidents"],
    response_model=schemas.Incident,
)
def open_(
    request: Request, who: CurrentCaller, body: schemas.IncidentOpen, key: IdempotencyKey = None
) -> JSONResponse:
    def make() -> schemas.Incident:
        ident = open_incident(
            who.ctx,
            who.name,
            type=body.type,
            severity=body.severity,
            title=body.title,
            now=now(),
        )
        return _incident(who, ident)

    return created(who, key, request, body, make)


@router.post("/incidents/{ident}/updates", responses=WRITE, tags=["incidents"])
def update(who: CurrentCaller, ident: str, body: schemas.IncidentUpdate) -> schemas.Incident:
    """Add a status and note to the incident's timeline."""
    update_incident(who.ctx, who.name, ident, status=body.status, note=body.note, now=now())
    return _incident(who, ident)


def _incident(who: CurrentCaller, ident: str) -> schemas.Incident:
    return schemas.Incident.model_validate(get_incident(who.ctx, ident))


@router.get("/principals", responses=READ, tags=["principals"])
async def principals(who: CurrentCaller) -> list[schemas.Principal]:
    return _principals(who)


def _principals(who: CurrentCaller) -> list[schemas.Principal]:
    return [
        schemas.Principal(name=p.name, kind=p.kind, roles=p.roles.split(","), status=p.status)
        for p in list_principals(who.ctx)
    ]


@router.post("/principals", status_code=201, responses=WRITE, tags=["principals"])
def add(who: CurrentCaller, body: schemas.PrincipalCreate) -> schemas.Principal:
    """Add a person or an agent with roles (admin)."""
    add_principal(who.ctx, who.name, body.name, body.kind, body.roles, now())
    return next(p for p in _principals(who) if p.name == body.name)


@router.post("/principals/{name}/suspend", responses=WRITE, tags=["principals"])
def suspend(who: CurrentCaller, name: str) -> schemas.Principal:
    suspend_principal(who.ctx, who.name, name, now())
    return next(p for p in _principals(who) if p.name == name)


@router.get("/tokens", responses=READ, tags=["principals"])
def tokens(who: CurrentCaller) -> list[schemas.Token]:
    """Every token (never the secret itself)."""
    return [schemas.Token.model_validate(t) for t in list_tokens(who.ctx, who.name, now())]


@router.post("/tokens", status_code=201, responses=WRITE, tags=["principals"])
def issue(who: CurrentCaller, body: schemas.TokenCreate) -> schemas.IssuedToken:
    """Issue a token for a principal (admin); the secret is in this answer only."""
    issued = issue_token(who.ctx, who.name, body.principal, body.scopes, body.days, now())
    return schemas.IssuedToken(
        id=issued.id,
        token=issued.token,
        principal=issued.principal,
        expires_at=issued.expires_at,
        pending=issued.pending,
    )


@router.post("/tokens/{ident}/approve", responses=WRITE, tags=["principals"])
def approve(who: CurrentCaller, ident: str) -> schemas.Token:
    """A second admin's approval of a pending sign-off token (not its issuer's, not its
    principal's)."""
    approve_token(who.ctx, who.name, ident, now())
    listed = list_tokens(who.ctx, who.name, now())
    return schemas.Token.model_validate(next(t for t in listed if t["id"] == ident))


@router.post("/tokens/{ident}/revoke", status_code=204, responses=WRITE, tags=["principals"])
def revoke(who: CurrentCaller, ident: str) -> None:
    revoke_token(who.ctx, who.name, ident, now())
