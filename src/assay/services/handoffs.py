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
from typing import Any

from sqlalchemy.orm import Session

from assay.core.access import Operation, Role, Target
from assay.core.handoff import (
    TERMINAL,
    Action,
    Criterion,
    State,
    next_state,
    parse_criteria,
)
from assay.errors import Conflict, NotFoundError, PreconditionFailed, Refused, UsageError
from assay.services.access import (
    Refusal,
    authorize,
    check,
    record_refusal,
)
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.services.handoff_checks import (
    Submission,
    allowed_hint,
    check_actor,
    check_approvable,
    submit,
)
from assay.store import handoffs as handoff_rows
from assay.store import repositories as repo
from assay.store.models import HandoffRow

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
    unknown = handoff_rows.unknown_principals(session, names)
    if unknown:
        raise UsageError(
            f"reviewer {', '.join(unknown)} is not a principal of this store",
            hint="name principals: GET /api/v1/principals",
        )


def get_handoff(ctx: Context, ident: str, now: datetime) -> HandoffView:
    return _view(_read(ctx, ident), now)


def _read(ctx: Context, ident: str) -> Any:
    store = ctx.store(create=False)
    row = store.read(lambda connection: handoff_rows.read(connection, ident))
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
        rows = handoff_rows.page(
            session, state=state, assignee=assignee, after=after, limit=limit + 1
        )
        more = len(rows) > limit
        rows = rows[:limit]
        return [_view(r, now) for r in rows], rows[-1].id if more and rows else None


def handoff_summary(ctx: Context, now: datetime) -> dict[str, Any]:
    """Counts by state and the open hand-offs past their due date."""
    expire_offers(ctx, now)
    with ctx.transaction(create=False) as session:
        counts = handoff_rows.state_counts(session)
        overdue = handoff_rows.overdue_open(session, now, [s.value for s in TERMINAL])
        return {
            "counts": {s.value: int(counts.get(s.value, 0)) for s in State},
            "open": sum(n for s, n in counts.items() if State(s) not in TERMINAL),
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
    overdue = handoff_rows.offers_due_by(now, State.OFFERED.value)
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
        row = handoff_rows.lock(session.connection(), ident)
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
                hint=allowed_hint(current),
            )
        try:
            check_actor(row, who, action)
            if action is Action.APPROVE:
                check_approvable(session, row)
        except Refused as exc:
            why = exc.message.removeprefix("refused: ")
            raise Refusal(exc, who.name, operation, Target(row.project), why) from None
        payload: dict[str, Any] = {"from": current.value, "to": target.value}
        changes: dict[str, Any] = {}
        if action is Action.ACCEPT:
            changes["accepted_by"] = who.name
        elif action is Action.SUBMIT:
            result = submit(session, ctx, row, submission or Submission(), now, who)
            changes["submitted_by"], changes["submitted_run"] = who.name, result.get("run")
            changes["submission"] = _dumps(result)
            payload["checks"] = {c["check"]: c["passed"] for c in result["checks"]}
            payload["evidence"] = [e["sha256"] for e in result["evidence"]]
        if note:
            payload["note"] = note
        if action in (Action.APPROVE, Action.REQUEST_CHANGES):
            changes["review_note"] = note or None
        changes.update(state=target.value, version=row.version + 1, updated_at=now)
        handoff_rows.set_columns(session, row.id, changes)
        event = AuditEvent(who.name, f"handoff.{target.value}", row.id, payload)
        audit_log(ctx.settings).record(session, [event], now)
        return _view(SimpleNamespace(**{**row._asdict(), **changes}), now)


def _overdue_offer(row: Any, now: datetime) -> bool:
    return row.state == State.OFFERED.value and row.due is not None and row.due < now


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
