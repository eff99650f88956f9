"""/api/v1 routes for the audit log: entries, checkpoints, inclusion proofs and
verification. The audit service checks that the caller may read the log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from assay.api import schemas
from assay.api.deps import CurrentCaller
from assay.api.input_guard import Int64
from assay.api.responses import READ
from assay.services.audit import audit_checkpoints, audit_entries, proof, verify_log

__all__ = ["router"]

router = APIRouter(tags=["audit"])


@router.get("/audit/entries", responses=READ)
def entries(
    who: CurrentCaller,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[Int64 | None, Query(ge=-1, description="From the previous page.")] = None,
    action: Annotated[str | None, Query(max_length=100, description="A prefix: handoff.")] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    subject: Annotated[str | None, Query(max_length=300)] = None,
) -> schemas.AuditPage:
    """Entries in order, filtered by action prefix, actor and subject."""
    found, following = audit_entries(
        who.ctx,
        who.name,
        after=cursor,
        limit=limit,
        action=action,
        who=actor,
        subject=subject,
    )
    return schemas.AuditPage(
        items=[schemas.AuditEntry.model_validate(e) for e in found],
        next_cursor=None if following is None else str(following),
    )


@router.get("/audit/checkpoints", responses=READ)
def checkpoints(
    who: CurrentCaller, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[schemas.Checkpoint]:
    """The newest signed tree heads (C2SP signed notes), newest first."""
    return [
        schemas.Checkpoint.model_validate(c) for c in audit_checkpoints(who.ctx, who.name, limit)
    ]


@router.get("/audit/entries/{seq}/proof", responses=READ)
def inclusion(who: CurrentCaller, seq: Int64) -> schemas.AuditProof:
    """An RFC 6962 inclusion proof of the entry in the newest signed checkpoint."""
    return schemas.AuditProof.model_validate(proof(who.ctx, seq, who.name))


@router.get("/audit/verify", responses=READ)
def verify(who: CurrentCaller) -> schemas.AuditVerification:
    """Recompute every leaf and checkpoint; names the first bad entry."""
    report = verify_log(who.ctx, who.name)
    return schemas.AuditVerification(
        ok=report.ok,
        entries=report.entries,
        checkpoints=report.checkpoints,
        root=report.root,
        problems=list(report.problems),
        first_bad=report.first_bad,
        verifier_key=report.verifier_key,
    )
