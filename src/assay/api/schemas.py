"""Request and response bodies of /api/v1, as pydantic models (the OpenAPI document is
generated from them), and the conversions from the services' results."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assay.core.gates import GateResult
from assay.services.certificates import CertificateInfo
from assay.services.gates import GatesOutcome
from assay.services.handoffs import (
    CONTEXT_MAX_BYTES,
    ITEM_MAX_CHARS,
    MAX_CRITERIA,
    MAX_ITEMS,
    MAX_REVIEWERS,
    HandoffView,
)
from assay.services.lockdown import LockdownInfo
from assay.services.releases import ReleaseStatus

__all__ = [
    "Checkpoint",
    "Gate",
    "Gates",
    "Handoff",
    "HandoffCreate",
    "IncidentOpen",
    "IncidentUpdate",
    "LockdownLift",
    "LockdownStart",
    "Page",
    "PrincipalCreate",
    "ReleaseCreate",
    "ReleaseRebind",
    "Review",
    "Revoke",
    "SignoffCreate",
    "Submit",
    "TokenCreate",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel):
    items: list[Any]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page."
    )


class Evidence(BaseModel):
    id: str
    kind: str
    sha256: str
    summary: dict[str, Any]


class Run(BaseModel):
    id: str
    project: str
    commit: str | None
    started_at: datetime
    verdict: str | None
    baseline: bool
    evidence: list[Evidence]


class RunPage(Page):
    items: list[Run]


class Gate(BaseModel):
    id: str
    title: str
    status: str
    explanation: str
    measured: str | None
    threshold: str | None
    evidence: list[str]


class Gates(BaseModel):
    run_id: str | None
    verdict: str
    policy_digest: str
    gates: list[Gate]

    @classmethod
    def of(cls, outcome: GatesOutcome) -> Gates:
        return cls(
            run_id=outcome.run_id,
            verdict=outcome.verdict.value,
            policy_digest=outcome.policy_digest,
            gates=[gate(g) for g in outcome.gates],
        )


def gate(result: GateResult) -> Gate:
    return Gate(
        id=result.gate.id,
        title=result.gate.title,
        status=result.status.value,
        explanation=result.explanation,
        measured=result.measured,
        threshold=result.threshold,
        evidence=list(result.evidence),
    )


class UploadedRun(BaseModel):
    run_id: str
    project: str
    evidence: list[Evidence]
    gates: Gates


class Project(BaseModel):
    name: str
    runs: int
    latest_run: str | None
    latest_verdict: str | None


class ReleaseCreate(_Strict):
    name: str = Field(min_length=1, max_length=200, examples=["2.3.0"])
    run: str | None = Field(default=None, description="Run id; default the project's newest.")


class ReleaseRebind(_Strict):
    run: str | None = Field(default=None, description="Run id; default the project's newest.")


class SignoffCreate(_Strict):
    role: str = Field(min_length=1, max_length=60, examples=["qa"])
    decision: Literal["approve", "reject", "conditional"]
    condition: str | None = Field(default=None, max_length=2000)
    due: date | None = None


class Signoff(BaseModel):
    role: str
    signer: str
    decision: str
    condition: str | None
    due: date | None
    evidence_digest: str
    signed_at: datetime
    expires_at: datetime


class RoleState(BaseModel):
    role: str
    needed: int
    approved_by: list[str]
    rejected_by: list[str]
    satisfied: bool


class Release(BaseModel):
    id: str
    project: str
    name: str
    run_id: str
    evidence_digest: str
    created_by: str
    etag: str
    ready: bool
    missing: list[str]
    gates: Gates
    roles: list[RoleState]
    signoffs: list[Signoff]

    @classmethod
    def of(cls, status: ReleaseStatus) -> Release:
        info = status.release
        return cls(
            id=info.id,
            project=info.project,
            name=info.name,
            run_id=info.run_id,
            evidence_digest=info.evidence_digest,
            created_by=info.created_by,
            etag=info.etag,
            ready=status.ready,
            missing=status.missing,
            gates=Gates.of(status.gates),
            roles=[
                RoleState(
                    role=r.role,
                    needed=r.needed,
                    approved_by=list(r.approved_by),
                    rejected_by=list(r.rejected_by),
                    satisfied=r.satisfied,
                )
                for r in status.roles
            ],
            signoffs=[
                Signoff(
                    role=s.role,
                    signer=s.signer,
                    decision=s.decision.value,
                    condition=s.condition,
                    due=s.due,
                    evidence_digest=s.evidence_digest,
                    signed_at=s.signed_at,
                    expires_at=s.expires_at,
                )
                for s in status.signoffs
            ],
        )


class Certificate(BaseModel):
    id: str
    release: str
    statement_sha256: str
    issued_at: datetime
    valid_until: datetime
    revoked_at: datetime | None
    revoke_reason: str | None

    @classmethod
    def of(cls, info: CertificateInfo) -> Certificate:
        return cls(**{name: getattr(info, name) for name in cls.model_fields})


class IssuedCertificate(BaseModel):
    id: str
    statement_sha256: str
    valid_until: datetime
    envelope: dict[str, Any]


class Revoke(_Strict):
    reason: str = Field(min_length=1, max_length=2000)


class Verification(BaseModel):
    valid: bool
    kind: str | None = None
    key_id: str | None = None
    statement_sha256: str | None = None
    details: list[str] = []
    reason: str | None = None
    detail: str | None = None


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


class Criterion(_Strict):
    check: Literal["tests_pass", "coverage_at_least", "no_contradicted_claims", "gate_passes"]
    value: float | None = Field(default=None, ge=0, le=100)
    gate: str | None = Field(default=None, max_length=60)


Item = Annotated[str, Field(max_length=ITEM_MAX_CHARS)]
"""One open item, link, or artifact field of a hand-off's context."""
Name = Annotated[str, Field(min_length=1, max_length=200)]
Digest = Annotated[str, Field(min_length=1, max_length=100)]


class HandoffContext(BaseModel):
    """Named lists, each bounded; further keys are kept as given, and the whole context
    is at most ``CONTEXT_MAX_BYTES`` as JSON."""

    model_config = ConfigDict(extra="allow")

    artifacts: list[dict[Annotated[str, Field(max_length=100)], Item]] = Field(
        default=[], max_length=MAX_ITEMS, description="Artifacts by name and SHA-256 digest."
    )
    evidence: list[Digest] = Field(
        default=[], max_length=MAX_ITEMS, description="Stored evidence by SHA-256."
    )
    open_items: list[Item] = Field(default=[], max_length=MAX_ITEMS)
    links: list[Item] = Field(default=[], max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _bounded(self) -> HandoffContext:
        size = len(json.dumps(self.model_dump(mode="json"), separators=(",", ":")))
        if size > CONTEXT_MAX_BYTES:
            raise ValueError(
                f"the context is {size} bytes as JSON; at most {CONTEXT_MAX_BYTES} are kept "
                "(name large artifacts by digest instead)"
            )
        return self


class HandoffCreate(_Strict):
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(default="", max_length=10000)
    assignee: str | None = Field(default=None, max_length=200)
    assignee_role: str | None = Field(default=None, max_length=60)
    project: str | None = Field(
        default=None,
        max_length=200,
        description="Required: the project whose evidence the criteria are judged on.",
    )
    context: HandoffContext = HandoffContext()
    criteria: list[Criterion] = Field(
        default=[],
        max_length=MAX_CRITERIA,
        description="Required: at least one acceptance check.",
    )
    reviewers: list[Name] = Field(
        default=[],
        max_length=MAX_REVIEWERS,
        description="Principals who may review the submission, besides the one offering it.",
    )
    due: datetime | None = None


class Submit(_Strict):
    run: str | None = Field(default=None, max_length=64)
    evidence: list[Digest] = Field(default=[], max_length=100)
    note: str = Field(default="", max_length=10000)


class Review(_Strict):
    decision: Literal["approve", "request_changes"]
    note: str = Field(default="", max_length=10000)


class Note(_Strict):
    note: str = Field(default="", max_length=10000)


class Handoff(BaseModel):
    id: str
    project: str | None
    title: str
    summary: str
    context: dict[str, Any]
    criteria: list[dict[str, Any]]
    created_by: str
    assignee: str | None
    assignee_role: str | None
    reviewers: list[str]
    accepted_by: str | None
    state: str
    version: int
    due: datetime | None
    created_at: datetime
    updated_at: datetime
    submitted_by: str | None
    submission: dict[str, Any] | None
    review_note: str | None
    overdue: bool

    @classmethod
    def of(cls, view: HandoffView) -> Handoff:
        return cls(**{name: getattr(view, name) for name in cls.model_fields})


class HandoffPage(Page):
    items: list[Handoff]


class OverdueHandoff(BaseModel):
    id: str
    title: str
    state: str
    assignee: str
    due: datetime | None


class HandoffSummary(BaseModel):
    counts: dict[str, int]
    open: int
    overdue: list[OverdueHandoff]
