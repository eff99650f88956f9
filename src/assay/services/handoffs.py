"""Agent hand-offs: work passed from one principal to another principal or to a role.

Every transition is checked against the state machine of ``core.handoff``, made under a
lock on the hand-off (so concurrent transitions see each other), versioned (the ETag) and
written to the audit log in the same transaction; every refusal is in the audit log too.

A hand-off names its project and at least one acceptance criterion. Submitting judges the
criteria over the submitted evidence, which must belong to that project; only a
submission whose criteria pass can be approved, only by the principal who offered the
hand-off or one it named as a reviewer, and never by its submitter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from assay.core.access import Operation, Role, Target
from assay.core.handoff import (
    ACTIONS,
    TERMINAL,
    Action,
    CheckResult,
    Criterion,
    State,
    judge_criteria,
    next_state,
    parse_criteria,
)
from assay.errors import Conflict, NotFoundError, PreconditionFailed, Refused, UsageError
from assay.services.access import (
    Actor,
    PermissionRefused,
    Refusal,
    authorize,
    check,
    record_refusal,
)
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.services.gates import judge_records
from assay.store import repositories as repo
from assay.store.keyed import KeyedRead
from assay.store.models import EvidenceRow, HandoffRow, PrincipalRow, ProjectRow, RunRow

__all__ = [
    "CONTEXT_MAX_BYTES",
    "ITEM_MAX_CHARS",
    "MAX_CRITERIA",
    "MAX_ITEMS",
    "MAX_REVIEWERS",
    "HandoffSpec",
    "HandoffView",
    "Submission",
    "create_handoff",
    "get_handoff",
    "handoff_summary",
    "list_handoffs",
    "transition",
]

SYSTEM_ACTOR = "assay"

CONTEXT_MAX_BYTES = 64 * 1024
"""The largest context package kept, as compact JSON: artifacts go by digest."""
ITEM_MAX_CHARS = 2000
"""The longest open item, link or artifact field (the REST schema checks each)."""
MAX_ITEMS = 200
"""The most entries in each list of the context."""
MAX_CRITERIA = 20
MAX_REVIEWERS = 10
SUMMARY_MAX_CHARS = 10000
NAME_MAX_CHARS = 200


@dataclass(frozen=True)
class HandoffSpec:
    title: str
    summary: str = ""
    assignee: str | None = None
    """A principal's name; or give ``assignee_role``."""
    assignee_role: str | None = None
    project: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    """Artifacts and evidence by digest, open items, links."""
    criteria: Sequence[Mapping[str, Any]] = ()
    due: datetime | None = None
    reviewers: Sequence[str] = ()
    """Principals who may review the submission, besides the one offering the hand-off."""


@dataclass(frozen=True)
class Submission:
    run: str | None = None
    """A stored run whose evidence is submitted (id or unique prefix)."""
    evidence: Sequence[str] = ()
    """Further stored evidence by SHA-256 (or evidence id)."""
    note: str = ""


@dataclass(frozen=True)
class HandoffView:
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


def create_handoff(ctx: Context, actor: str, spec: HandoffSpec, now: datetime) -> HandoffView:
    title = spec.title.strip()
    if not title or len(title) > 300:
        raise UsageError("a hand-off needs a title of 1 to 300 characters")
    if bool(spec.assignee) == bool(spec.assignee_role):
        raise UsageError(
            "name exactly one of assignee (a principal) and assignee_role (a role)",
            hint='for example {"assignee": "agent-b"} or {"assignee_role": "qa"}',
        )
    if spec.assignee_role and spec.assignee_role not in {r.value for r in Role}:
        raise UsageError(
            f"unknown role {spec.assignee_role!r}",
            hint=f"roles: {', '.join(r.value for r in Role)}",
        )
    project = (spec.project or "").strip()
    if not project or len(project) > NAME_MAX_CHARS:
        raise UsageError(
            "a hand-off names its project (1 to 200 characters): its acceptance criteria "
            "are judged on that project's evidence",
            hint='for example {"project": "billing"}',
        )
    criteria = _criteria(spec.criteria)
    reviewers = _reviewers(spec.reviewers)
    if len(spec.summary) > SUMMARY_MAX_CHARS:
        raise UsageError(f"a hand-off's summary is at most {SUMMARY_MAX_CHARS} characters")
    context = _dumps(dict(spec.context))
    if len(context) > CONTEXT_MAX_BYTES:
        raise UsageError(
            f"the context is {len(context)} bytes as JSON; at most {CONTEXT_MAX_BYTES} are kept",
            hint="name large artifacts by their SHA-256 digest instead of including them",
        )
    if spec.due is not None and spec.due <= now:
        raise UsageError(f"the due date {spec.due.isoformat()} has already passed")
    authorize(ctx, actor, Operation.CREATE_HANDOFF, Target(project), now)
    with ctx.transaction(exclusive=True) as session:
        _known_principals(session, reviewers)
        row = HandoffRow(
            id=repo.new_id(),
            project=project,
            title=title,
            summary=spec.summary,
            context=context,
            criteria=_dumps([c.as_dict() for c in criteria]),
            created_by=actor,
            assignee=spec.assignee,
            assignee_role=spec.assignee_role,
            reviewers=_dumps(reviewers),
            state=State.OFFERED.value,
            version=1,
            due=spec.due,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        payload = {
            "title": title,
            "project": project,
            "assignee": spec.assignee,
            "assignee_role": spec.assignee_role,
            "reviewers": reviewers,
            "criteria": [c.as_dict() for c in criteria],
            "due": spec.due.isoformat() if spec.due else None,
        }
        event = AuditEvent(actor, "handoff.offered", row.id, payload)
        audit_log(ctx.settings).record(session, [event], now)
        return _view(row, now)


def _criteria(raw: Sequence[Mapping[str, Any]]) -> tuple[Criterion, ...]:
    """At least one, at most MAX_CRITERIA: approval must rest on checked evidence."""
    example = '{"check": "coverage_at_least", "value": 80}'
    if not raw:
        raise UsageError(
            "a hand-off needs at least one acceptance criterion: only evidence that passes "
            "its criteria can be approved",
            hint=f'for example "criteria": [{{"check": "tests_pass"}}, {example}]',
        )
    if len(raw) > MAX_CRITERIA:
        raise UsageError(f"a hand-off has at most {MAX_CRITERIA} acceptance criteria")
    try:
        return parse_criteria(list(raw))
    except ValueError as exc:
        raise UsageError(str(exc), hint=f"for example {example}") from exc


def _reviewers(raw: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(name.strip() for name in raw))
    if len(names) > MAX_REVIEWERS:
        raise UsageError(f"a hand-off names at most {MAX_REVIEWERS} reviewers")
    if any(not name or len(name) > NAME_MAX_CHARS for name in names):
        raise UsageError("a reviewer is a principal's name, 1 to 200 characters")
    return names


def _known_principals(session: Session, names: Sequence[str]) -> None:
    """Named reviewers are principals (once there are any: a fresh store has none)."""
    if not names or session.scalar(select(PrincipalRow.id).limit(1)) is None:
        return
    known = set(session.scalars(select(PrincipalRow.name).where(PrincipalRow.name.in_(names))))
    unknown = [name for name in names if name not in known]
    if unknown:
        raise UsageError(
            f"reviewer {', '.join(unknown)} is not a principal of this store",
            hint="name principals: GET /api/v1/principals",
        )


def get_handoff(ctx: Context, ident: str, now: datetime) -> HandoffView:
    return _view(_read(ctx, ident), now)


_BY_ID = select(HandoffRow.__table__).where(HandoffRow.id == bindparam("id"))
_READ = KeyedRead(_BY_ID)
"""Built once (see ``access._BY_TOKEN``); a hot read (agents poll their hand-offs), made
on the driver's cursor (see ``store.keyed``)."""


def _read(ctx: Context, ident: str) -> Any:
    store = ctx.store(create=False)
    row = store.read(lambda connection: _READ.first(connection, id=ident))
    if row is None:
        raise NotFoundError(f"no hand-off {ident}", hint="list them: GET /api/v1/handoffs")
    return row


def list_handoffs(
    ctx: Context,
    now: datetime,
    *,
    state: str | None = None,
    assignee: str | None = None,
    after: str | None = None,
    limit: int = 50,
) -> tuple[list[HandoffView], str | None]:
    """Hand-offs oldest first, by state and assignee (a principal's name also matches
    hand-offs offered to its roles); ``after`` is the cursor a previous page returned."""
    if state is not None and state not in {s.value for s in State}:
        raise UsageError(
            f"unknown state {state!r}", hint=f"states: {', '.join(s.value for s in State)}"
        )
    expire_offers(ctx, now)
    with ctx.transaction(create=False) as session:
        query = select(HandoffRow).order_by(HandoffRow.created_at, HandoffRow.id)
        if state:
            query = query.where(HandoffRow.state == state)
        if assignee:
            roles = _roles_of(session, assignee)
            query = query.where(
                or_(
                    HandoffRow.assignee == assignee,
                    HandoffRow.accepted_by == assignee,
                    HandoffRow.assignee_role.in_(roles),
                )
            )
        if after:
            anchor = session.get(HandoffRow, after)
            if anchor is None:
                raise UsageError(f"unknown cursor {after!r}", hint="start again without one")
            query = query.where(
                or_(
                    HandoffRow.created_at > anchor.created_at,
                    (HandoffRow.created_at == anchor.created_at) & (HandoffRow.id > anchor.id),
                )
            )
        rows = list(session.scalars(query.limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        return [_view(r, now) for r in rows], rows[-1].id if more and rows else None


def handoff_summary(ctx: Context, now: datetime) -> dict[str, Any]:
    """Counts by state and the open hand-offs past their due date."""
    expire_offers(ctx, now)
    with ctx.transaction(create=False) as session:
        counts = dict(
            session.execute(select(HandoffRow.state, func.count()).group_by(HandoffRow.state)).all()
        )
        overdue = session.scalars(
            select(HandoffRow)
            .where(HandoffRow.state.not_in([s.value for s in TERMINAL]))
            .where(HandoffRow.due.is_not(None), HandoffRow.due < now)
            .order_by(HandoffRow.due)
        ).all()
        return {
            "counts": {s.value: int(counts.get(s.value, 0)) for s in State},
            "open": sum(int(n) for s, n in counts.items() if State(s) not in TERMINAL),
            "overdue": [
                {
                    "id": r.id,
                    "title": r.title,
                    "state": r.state,
                    "assignee": r.accepted_by or r.assignee or f"role:{r.assignee_role}",
                    "due": r.due.isoformat() if r.due else None,
                }
                for r in overdue
            ],
        }


def expire_offers(ctx: Context, now: datetime) -> int:
    """Offers nobody accepted by their due date expire (audited); returns how many."""
    overdue = (
        select(HandoffRow)
        .where(HandoffRow.state == State.OFFERED.value)
        .where(HandoffRow.due.is_not(None), HandoffRow.due < now)
    )
    store = ctx.store(create=False)
    first = overdue.with_only_columns(HandoffRow.id).limit(1)
    if store.read(lambda connection: connection.execute(first).first()) is None:
        return 0
    with ctx.transaction(exclusive=True, create=False) as session:
        rows = session.scalars(overdue.with_for_update()).all()
        events = []
        for row in rows:
            row.state, row.version, row.updated_at = State.EXPIRED.value, row.version + 1, now
            payload = {"from": State.OFFERED.value, "to": State.EXPIRED.value, "due": str(row.due)}
            events.append(AuditEvent(SYSTEM_ACTOR, "handoff.expired", row.id, payload))
        if events:
            audit_log(ctx.settings).record(session, events, now)
        return len(events)


_OPERATION = {
    Action.ACCEPT: Operation.WORK_HANDOFF,
    Action.DECLINE: Operation.WORK_HANDOFF,
    Action.START: Operation.WORK_HANDOFF,
    Action.SUBMIT: Operation.WORK_HANDOFF,
    Action.APPROVE: Operation.REVIEW_HANDOFF,
    Action.REQUEST_CHANGES: Operation.REVIEW_HANDOFF,
    Action.CANCEL: Operation.CREATE_HANDOFF,
}


def transition(
    ctx: Context,
    actor: str,
    ident: str,
    action: Action,
    now: datetime,
    *,
    expect: int | None = None,
    submission: Submission | None = None,
    note: str = "",
) -> HandoffView:
    """Move the hand-off by ``action``; refused with the reason when the state, the actor
    or (for approval) the acceptance checks do not allow it."""
    try:
        return _transition(ctx, actor, ident, action, now, expect, submission, note)
    except _OverdueOffer:
        expire_offers(ctx, now)  # then it is expired, and says so
        return _transition(ctx, actor, ident, action, now, expect, submission, note)
    except Refusal as refusal:
        refusal.subject = refusal.subject or ident  # the hand-off's trail shows it
        raise record_refusal(ctx, refusal, now) from None


class _OverdueOffer(Exception):
    """The offer passed its due date: it expires (in a transaction of its own) first."""


_LOCKED = KeyedRead(_BY_ID.with_for_update())
_UPDATE = update(cast(Table, HandoffRow.__table__)).where(HandoffRow.id == bindparam("key"))
"""The columns set are the keys of the parameters given."""


def _transition(
    ctx: Context,
    actor: str,
    ident: str,
    action: Action,
    now: datetime,
    expect: int | None,
    submission: Submission | None,
    note: str,
) -> HandoffView:
    """One transaction, in this order to keep the audit log's head locked briefly: lock
    the hand-off, check the actor's permission on the same connection, update the
    hand-off, append the audit entry, commit. Core statements, not the ORM's unit of
    work: this is the hot write path (bench/api.py)."""
    with ctx.transaction(exclusive=True, create=False) as session:
        row = _LOCKED.first(session.connection(), id=ident)
        if row is None:
            raise NotFoundError(f"no hand-off {ident}", hint="list them: GET /api/v1/handoffs")
        if _overdue_offer(row, now):
            raise _OverdueOffer
        operation = _OPERATION[action]
        who = check(session.connection(), ctx, actor, operation, Target(row.project), now)
        if expect is not None and expect != row.version:
            raise PreconditionFailed(
                f"hand-off {row.id} is at version {row.version}, not {expect}",
                hint="read it again, then retry with its ETag",
            )
        current = State(row.state)
        target = next_state(current, action)
        if target is None:
            raise Conflict(
                f"hand-off {row.id} is {current.value}: it cannot {action.value}",
                hint=_allowed_hint(current),
            )
        try:
            _check_actor(row, who, action)
            if action is Action.APPROVE:
                _check_approvable(session, row)
        except Refused as exc:
            why = exc.message.removeprefix("refused: ")
            raise Refusal(exc, who.name, operation, Target(row.project), why) from None
        payload: dict[str, Any] = {"from": current.value, "to": target.value}
        changes: dict[str, Any] = {}
        if action is Action.ACCEPT:
            changes["accepted_by"] = who.name
        elif action is Action.SUBMIT:
            result = _submit(session, ctx, row, submission or Submission(), now, who)
            changes["submitted_by"], changes["submitted_run"] = who.name, result.get("run")
            changes["submission"] = _dumps(result)
            payload["checks"] = {c["check"]: c["passed"] for c in result["checks"]}
            payload["evidence"] = [e["sha256"] for e in result["evidence"]]
        if note:
            payload["note"] = note
        if action in (Action.APPROVE, Action.REQUEST_CHANGES):
            changes["review_note"] = note or None
        changes.update(state=target.value, version=row.version + 1, updated_at=now)
        session.execute(_UPDATE, {"key": row.id, **changes})
        event = AuditEvent(who.name, f"handoff.{target.value}", row.id, payload)
        audit_log(ctx.settings).record(session, [event], now)
        return _view(SimpleNamespace(**{**row._asdict(), **changes}), now)


def _overdue_offer(row: Any, now: datetime) -> bool:
    return row.state == State.OFFERED.value and row.due is not None and row.due < now


def _check_actor(row: Any, who: Actor, action: Action) -> None:
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


def _check_approvable(session: Session, row: Any) -> None:
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
        owner = session.scalar(
            select(ProjectRow.name).join(RunRow).where(RunRow.id == row.submitted_run)
        )
        if owner != row.project:
            raise Refused(
                f"hand-off {row.id} cannot be approved: run {row.submitted_run} belongs to "
                f"{owner}, not {row.project}",
                hint="request changes, so the assignee submits a run of the project",
            )
    failed = _failed_checks(row)
    if failed:
        raise Refused(
            f"hand-off {row.id} cannot be approved: acceptance checks failed: " + "; ".join(failed),
            hint="request changes, so the assignee can fix the evidence and submit again",
        )


def _submit(
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
        named = or_(EvidenceRow.sha256 == ident, EvidenceRow.id == ident)
        found = session.scalars(
            select(EvidenceRow)
            .join(RunRow)
            .join(ProjectRow)
            .where(named, ProjectRow.name == row.project)
            .order_by(RunRow.started_at.desc())
        ).first()
        if found is None:
            elsewhere = session.scalar(
                select(ProjectRow.name).join(RunRow).join(EvidenceRow).where(named).limit(1)
            )
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


def _failed_checks(row: Any) -> list[str]:
    submission = json.loads(row.submission or "{}")
    return [
        f"{c['description']} ({c['detail']})"
        for c in submission.get("checks", [])
        if not c["passed"]
    ]


def _allowed_hint(state: State) -> str:
    allowed = [a.value for a, (sources, _) in ACTIONS.items() if state in sources]
    return f"from {state.value}: {', '.join(allowed) or 'nothing (it is closed)'}"


def _roles_of(session: Session, name: str) -> list[str]:
    principal = session.scalar(select(PrincipalRow).where(PrincipalRow.name == name))
    return [r for r in principal.roles.split(",") if r] if principal else []


def _view(row: Any, now: datetime) -> HandoffView:
    """The view of a hand-off row (ORM object, Core row, or a row with its changes)."""
    return HandoffView(
        id=row.id,
        project=row.project,
        title=row.title,
        summary=row.summary,
        context=json.loads(row.context),
        criteria=json.loads(row.criteria),
        created_by=row.created_by,
        assignee=row.assignee,
        assignee_role=row.assignee_role,
        reviewers=json.loads(row.reviewers or "[]"),
        accepted_by=row.accepted_by,
        state=row.state,
        version=row.version,
        due=row.due,
        created_at=row.created_at,
        updated_at=row.updated_at,
        submitted_by=row.submitted_by,
        submission=json.loads(row.submission) if row.submission else None,
        review_note=row.review_note,
        overdue=bool(row.due and row.due < now and State(row.state) not in TERMINAL),
    )


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
