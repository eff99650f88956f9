"""The checks of a hand-off transition: who may take it, whether a submission can be
approved, and the submitted evidence judged against the acceptance criteria."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from assay.core.access import Operation, Role, Target
from assay.core.handoff import (
    ACTIONS,
    Action,
    CheckResult,
    State,
    judge_criteria,
    parse_criteria,
)
from assay.errors import NotFoundError, Refused, UsageError
from assay.services.access import (
    Actor,
    PermissionRefused,
    Refusal,
)
from assay.services.context import Context
from assay.services.gates import judge_records
from assay.store import handoffs as handoff_rows
from assay.store import repositories as repo
from assay.store.models import EvidenceRow

__all__ = [
    "Submission",
    "allowed_hint",
    "check_actor",
    "check_approvable",
    "failed_checks",
    "submit",
]


def check_actor(row: Any, who: Actor, action: Action) -> None:
    local = who.kind == "local"
    if action in (Action.ACCEPT, Action.DECLINE) and not local:
        if row.accepted_by and row.accepted_by != who.name:
            raise PermissionRefused(f"refused: {row.accepted_by} accepted this hand-off")
        if row.assignee and row.assignee != who.name:
            raise PermissionRefused(f"refused: the hand-off is offered to {row.assignee}")
        if row.assignee_role and row.assignee_role not in who.roles:
            raise PermissionRefused(
                f"refused: the hand-off is offered to the role {row.assignee_role}, "
                f"which {who.name} does not hold"
            )
    elif action in (Action.START, Action.SUBMIT) and not local:
        if who.name != row.accepted_by:
            raise PermissionRefused(
                f"refused: only {row.accepted_by}, who accepted the hand-off, may {action.value}"
            )
    elif action in (Action.APPROVE, Action.REQUEST_CHANGES):
        if who.name == row.submitted_by:
            raise PermissionRefused(
                f"refused: {who.name} submitted this work and cannot review it",
                hint="ask another principal to review",
            )
        reviewers = json.loads(row.reviewers or "[]")
        if who.name != row.created_by and who.name not in reviewers:
            named = ", ".join([row.created_by, *reviewers])
            raise PermissionRefused(
                f"refused: {who.name} neither offered this hand-off nor is named as its "
                f"reviewer (it may be reviewed by: {named})",
                hint="the principal who offered it reviews it, or one it named in reviewers",
            )
    elif (
        action is Action.CANCEL
        and not local
        and who.name != row.created_by
        and Role.ADMIN not in who.roles
    ):
        raise PermissionRefused(f"refused: only {row.created_by}, who offered it, may cancel")


def check_approvable(session: Session, row: Any) -> None:
    """Approval rests on criteria that passed on the evidence of the hand-off's project
    (hand-offs stored before those rules were enforced at offering and submission are
    checked again here). Raises Refused naming what is missing."""
    if not row.project or not json.loads(row.criteria or "[]"):
        raise Refused(
            f"hand-off {row.id} cannot be approved: it names no "
            + ("project" if not row.project else "acceptance criteria")
            + ", so no evidence can show the work is done",
            hint="cancel it, and offer it again with its project and criteria",
        )
    checks = json.loads(row.submission or "{}").get("checks", [])
    if not checks:
        raise Refused(
            f"hand-off {row.id} cannot be approved: its submission judged no criteria",
            hint="request changes, so the assignee submits again",
        )
    if row.submitted_run:
        owner = handoff_rows.project_of_run(session, row.submitted_run)
        if owner != row.project:
            raise Refused(
                f"hand-off {row.id} cannot be approved: run {row.submitted_run} belongs to "
                f"{owner}, not {row.project}",
                hint="request changes, so the assignee submits a run of the project",
            )
    failed = failed_checks(row)
    if failed:
        raise Refused(
            f"hand-off {row.id} cannot be approved: acceptance checks failed: " + "; ".join(failed),
            hint="request changes, so the assignee can fix the evidence and submit again",
        )


def submit(
    session: Session,
    ctx: Context,
    row: Any,
    submission: Submission,
    now: datetime,
    who: Actor,
) -> dict[str, Any]:
    """The submitted evidence (the run's, then each named piece, later ones winning per
    kind) and every acceptance check judged over it. Evidence of another project than
    the hand-off's is refused (audited)."""
    chosen: dict[str, EvidenceRow] = {}
    run_id = None

    def foreign(what: str, owner: str | None) -> Refusal:
        why = f"{what} belongs to {owner or 'no project'}, not to {row.project}"
        error = Refused(
            f"refused: the evidence of hand-off {row.id} must come from {row.project}: {why}",
            hint=f"submit a run or evidence uploaded to {row.project}",
        )
        return Refusal(error, who.name, Operation.WORK_HANDOFF, Target(row.project), why)

    if not row.project:
        raise Refused(
            f"hand-off {row.id} names no project, so no evidence can be judged for it",
            hint="cancel it, and offer it again with its project",
        )
    if submission.run:
        run = repo.find_run(session, submission.run)
        if run.project.name != row.project:
            raise foreign(f"run {run.id}", run.project.name)
        run_id = run.id
        chosen.update({e.kind: e for e in run.evidence})
    for ident in submission.evidence:
        found = handoff_rows.evidence_of_project(session, ident, row.project)
        if found is None:
            elsewhere = handoff_rows.project_of_evidence(session, ident)
            if elsewhere is not None:
                raise foreign(f"evidence {ident}", elsewhere)
            raise NotFoundError(
                f"no stored evidence {ident}", hint="upload it first: POST /api/v1/runs"
            )
        chosen[found.kind] = found
    if not chosen:
        raise UsageError(
            "a submission needs evidence: a run, or evidence digests",
            hint='{"run": "RUN-ID"} or {"evidence": ["SHA256", ...]}',
        )
    records = [repo.to_record(e) for e in chosen.values()]
    gates = judge_records(ctx, records, now.date(), run_id)
    statuses = {g.gate.id: g.status.value for g in gates.gates}
    summaries = {e.kind: dict(e.summary or {}) for e in chosen.values()}
    criteria = parse_criteria(json.loads(row.criteria))
    checks: tuple[CheckResult, ...] = judge_criteria(criteria, summaries, statuses)
    return {
        "run": run_id,
        "evidence": [{"kind": k, "sha256": e.sha256} for k, e in sorted(chosen.items())],
        "checks": [c.as_dict() for c in checks],
        "passed": all(c.passed for c in checks),
        "note": submission.note,
        "submitted_at": now.isoformat(),
    }


def failed_checks(row: Any) -> list[str]:
    submission = json.loads(row.submission or "{}")
    return [
        f"{c['description']} ({c['detail']})"
        for c in submission.get("checks", [])
        if not c["passed"]
    ]


def allowed_hint(state: State) -> str:
    allowed = [a.value for a, (sources, _) in ACTIONS.items() if state in sources]
    return f"from {state.value}: {', '.join(allowed) or 'nothing (it is closed)'}"


@dataclass(frozen=True)
class Submission:
    run: str | None = None
    """A stored run whose evidence is submitted (id or unique prefix)."""
    evidence: Sequence[str] = ()
    """Further stored evidence by SHA-256 (or evidence id)."""
    note: str = ""
