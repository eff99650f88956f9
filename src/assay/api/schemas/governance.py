"""Bodies of governance: lockdowns, incidents, principals and tokens, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from assay.api.schemas.base import Page, _Strict
from assay.services.lockdown import LockdownInfo

__all__ = [
    "AuditEntry",
    "AuditPage",
    "AuditProof",
    "AuditVerification",
    "Checkpoint",
    "Incident",
    "IncidentEvent",
    "IncidentOpen",
    "IncidentUpdate",
    "IssuedToken",
    "Lockdown",
    "LockdownLift",
    "LockdownStart",
    "Principal",
    "PrincipalCreate",
    "Token",
    "TokenCreate",
]


class LockdownStart(_Strict):
    level: int = Field(ge=1, le=3)
    scope: Literal["global", "project", "release"] = "global"
    target: str | None = Field(default=None, max_length=300)
    reason: str = Field(min_length=1, max_length=2000)


class LockdownLift(_Strict):
    reason: str = Field(min_length=1, max_length=2000)


class Lockdown(BaseModel):
    id: str
    level: int
    scope: str
    target: str | None
    reason: str
    started_by: str
    started_at: datetime
    incident: str
    suspended: list[str]

    @classmethod
    def of(cls, info: LockdownInfo) -> Lockdown:
        return cls(**{name: getattr(info, name) for name in cls.model_fields})


class IncidentOpen(_Strict):
    type: str = Field(default="security", min_length=1, max_length=40)
    severity: Literal["low", "medium", "high", "critical"]
    title: str = Field(min_length=1, max_length=2000)


class IncidentUpdate(_Strict):
    status: Literal["open", "investigating", "resolved"]
    note: str = Field(default="", max_length=4000)


class IncidentEvent(BaseModel):
    at: datetime
    actor: str
    status: str
    note: str


class Incident(BaseModel):
    id: str
    type: str
    severity: str
    status: str
    title: str
    opened_at: datetime
    timeline: list[IncidentEvent]


class PrincipalCreate(_Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["person", "agent"]
    roles: list[str] = Field(min_length=1)


class Principal(BaseModel):
    name: str
    kind: str
    roles: list[str]
    status: str


class TokenCreate(_Strict):
    principal: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(default=["*"], min_length=1)
    days: int = Field(default=30, ge=1, le=3650)


class IssuedToken(BaseModel):
    id: str
    token: str = Field(description="Shown once; only its SHA-256 is stored.")
    principal: str
    expires_at: datetime
    pending: bool = Field(
        description="A sign-off token issued for someone else: it acts once a second admin "
        "approves it (POST /api/v1/tokens/{id}/approve)."
    )


class Token(BaseModel):
    id: str
    principal: str
    scopes: str
    expires_at: datetime
    revoked: bool
    pending: bool
    issued_by: str | None
    approved_by: str | None


class AuditEntry(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload_sha256: str
    leaf_hash: str


class AuditPage(Page):
    items: list[AuditEntry]


class Checkpoint(BaseModel):
    size: int
    root_hash: str
    note: str


class AuditProof(BaseModel):
    seq: int
    tree_size: int
    leaf_data: str
    leaf_hash: str
    proof: list[str]
    root_hash: str
    checkpoint: str
    verifier_key: str


class AuditVerification(BaseModel):
    ok: bool
    entries: int
    checkpoints: int
    root: str
    problems: list[str]
    first_bad: int | None
    verifier_key: str
