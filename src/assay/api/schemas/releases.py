"""Bodies of the release path: runs and their evidence, gates, projects, releases and
sign-offs, certificates and their verification."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from assay.api.schemas.base import Page, _Strict
from assay.core.gates import GateResult
from assay.services.certificates import CertificateInfo
from assay.services.gates import GatesOutcome
from assay.services.releases import ReleaseStatus

__all__ = [
    "Certificate",
    "Evidence",
    "Gate",
    "Gates",
    "IssuedCertificate",
    "Project",
    "Release",
    "ReleaseCreate",
    "ReleaseRebind",
    "Revoke",
    "RoleState",
    "Run",
    "RunPage",
    "Signoff",
    "SignoffCreate",
    "UploadedRun",
    "Verification",
    "gate",
]


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
    next_review: datetime | None = None
    review_due: bool = False
    """Past its next review, not revoked and not renewed yet."""
    predecessor: str | None = None
    """The certificate this one renewed (assay certificate renew); null when issued."""

    @classmethod
    def of(cls, info: CertificateInfo) -> Certificate:
        return cls(**{name: getattr(info, name) for name in cls.model_fields})


class IssuedCertificate(BaseModel):
    id: str
    statement_sha256: str
    valid_until: datetime
    envelope: dict[str, Any]
    predecessor: str | None = None
    """The certificate a renewal supersedes; null when issued."""


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
