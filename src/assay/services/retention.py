"""Retention and legal hold: plan what retention would purge, purge it (blobs go, signed
tombstones and audit entries stay), and place or release legal holds.

A purge is crash-safe: the tombstone and its audit entry are committed before the blob is
deleted, and every apply first finishes deleting blobs whose evidence is all tombstoned.
Killed at any point, the store is consistent: evidence either has its blob or a tombstone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from assay.core.access import Operation, Target
from assay.core.evidence import evidence_digest
from assay.core.retention import (
    TOMBSTONE_PREDICATE,
    Decision,
    Hold,
    Piece,
    Plan,
    Rule,
    plan_retention,
)
from assay.errors import NotFoundError, UsageError
from assay.services.access import authorize
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.signing.dsse import sign_statement, statement
from assay.store import retention as rows
from assay.store.models import EvidenceRow, LegalHoldRow, TombstoneRow
from assay.store.repositories import new_id

__all__ = [
    "TOMBSTONE_PREDICATE",
    "Applied",
    "HoldInfo",
    "apply_retention",
    "list_holds",
    "place_hold",
    "release_hold",
    "retention_plan",
]


def _rules(ctx: Context) -> list[Rule]:
    return [
        Rule(p.name, p.days, tuple(p.kinds), tuple(p.frameworks), p.scope)
        for p in ctx.settings.retention.policies
    ]


def _frameworks_by_kind(ctx: Context) -> dict[str, tuple[str, ...]]:
    from assay.services.compliance.catalogs import mappings
    from assay.services.gates import load_policy

    rules = mappings(ctx.settings, [g.spec.id for g in load_policy(ctx).gates])
    out: dict[str, set[str]] = {}
    for need in rules.requirements:
        for kind in need.evidence:
            out.setdefault(kind, set()).add(need.framework)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _hold(row: LegalHoldRow) -> Hold:
    return Hold(row.id, row.project, row.release, row.reason, row.owner)


def retention_plan(ctx: Context, now: datetime) -> Plan:
    """Every piece of evidence with what retention decides for it now."""
    frameworks = _frameworks_by_kind(ctx)
    store = ctx.store(create=False)
    with store.snapshot() as session:
        evidence = rows.evidence_rows(session)
        releases = _releases_of_runs(session, evidence)
        stones = rows.tombstoned(session)
        holds = [_hold(h) for h in rows.active_holds(session)]
        pieces = [
            Piece(
                row.id,
                project,
                row.run_id,
                row.kind,
                row.sha256,
                row.collected_at,
                releases.get(row.run_id, ()),
                frameworks.get(row.kind, ()),
                row.id in stones,
            )
            for row, project in evidence
        ]
    return plan_retention(pieces, _rules(ctx), holds, now)


def _releases_of_runs(
    session: Session, evidence: Sequence[tuple[EvidenceRow, str]]
) -> dict[str, tuple[str, ...]]:
    """Run id -> the releases bound to it now, or whose sign-offs approved its evidence
    (a release rebound to a newer run keeps the run it was signed and certified on)."""
    kinds: dict[str, list[tuple[str, str]]] = {}
    projects: dict[str, str] = {}
    for row, project in evidence:
        kinds.setdefault(row.run_id, []).append((row.kind, row.sha256))
        projects[row.run_id] = project
    signed = rows.signed_digests(session)
    out = {run: set(names) for run, names in rows.release_names(session).items()}
    for run, items in kinds.items():
        names = signed.get((projects[run], evidence_digest(items)), ())
        out.setdefault(run, set()).update(names)
    return {run: tuple(sorted(names)) for run, names in out.items() if names}


@dataclass(frozen=True)
class Applied:
    plan: Plan
    purged: tuple[str, ...]
    """Evidence ids tombstoned by this apply."""
    blobs_deleted: tuple[str, ...]


def apply_retention(ctx: Context, now: datetime, actor: str = "local") -> Applied:
    """Purge what the plan says: tombstone and audit entry first, then the blob."""
    authorize(ctx, actor, Operation.APPLY_RETENTION, Target(), now)
    store = ctx.store(create=False)
    log = audit_log(ctx.settings)
    plan = retention_plan(ctx, now)
    purged = []
    for item in plan.of(Decision.PURGE):
        piece = item.piece
        body = statement(
            [{"name": f"evidence:{piece.id}", "digest": {"sha256": piece.sha256}}],
            TOMBSTONE_PREDICATE,
            {
                "evidence": piece.id,
                "run": piece.run,
                "project": piece.project,
                "kind": piece.kind,
                "sha256": piece.sha256,
                "collected_at": piece.collected_at.isoformat(),
                "policy": item.policy,
                "reason": item.reason,
                "purged_at": now.replace(microsecond=0).isoformat(),
            },
        )
        envelope = sign_statement(body, log.key())
        with store.transaction(exclusive=True) as session:
            # Under the log's lock, which placing a hold also takes: a hold committed
            # since the plan was made is seen here, and its evidence stays.
            log.lock(session)
            if session.get(TombstoneRow, piece.id) is not None:
                continue  # another apply got there first
            if any(_hold(h).holds(piece) for h in rows.active_holds(session)):
                continue
            session.add(
                TombstoneRow(
                    evidence_id=piece.id,
                    sha256=piece.sha256,
                    kind=piece.kind,
                    policy=item.policy,
                    purged_at=now,
                    envelope=json.dumps(envelope, sort_keys=True),
                )
            )
            session.flush()
            event = AuditEvent(actor, "evidence.purged", piece.id, body["predicate"])
            log.record(session, [event], now)
        purged.append(piece.id)
    return Applied(plan, tuple(purged), sweep_blobs(ctx))


def sweep_blobs(ctx: Context) -> tuple[str, ...]:
    """Delete the blobs whose every piece of evidence is tombstoned (finishing a purge that
    was interrupted after its commit)."""
    store = ctx.store(create=False)
    deleted = []
    with store.transaction(exclusive=True) as session:
        # Under the log's lock: a run being recorded with the same bytes either committed
        # its rows before (they are seen, the blob stays) or puts its blobs again after.
        audit_log(ctx.settings).lock(session)
        digests = sorted({t.sha256 for t in rows.tombstoned(session).values()})
        for digest in digests:
            if rows.unpurged_sharing(session, digest) == 0 and store.locker.remove(digest):
                deleted.append(digest)
    return tuple(deleted)


@dataclass(frozen=True)
class HoldInfo:
    id: str
    project: str
    release: str | None
    reason: str
    owner: str
    placed_by: str
    placed_at: datetime
    released_by: str | None
    released_at: datetime | None


def _info(row: LegalHoldRow) -> HoldInfo:
    return HoldInfo(
        row.id,
        row.project,
        row.release,
        row.reason,
        row.owner,
        row.placed_by,
        row.placed_at,
        row.released_by,
        row.released_at,
    )


def place_hold(
    ctx: Context,
    project: str,
    *,
    release: str | None,
    reason: str,
    owner: str,
    now: datetime,
    actor: str = "local",
) -> HoldInfo:
    if not reason.strip() or not owner.strip():
        raise UsageError(
            "a legal hold needs a reason and an owner",
            hint='--reason "litigation 2026-14" --owner legal@example.com',
        )
    authorize(ctx, actor, Operation.LEGAL_HOLD, Target(project, release), now)
    store = ctx.store(create=False)
    row = LegalHoldRow(
        id=new_id(),
        project=project,
        release=release,
        reason=reason.strip(),
        owner=owner.strip(),
        placed_by=actor,
        placed_at=now,
    )
    with store.transaction() as session:
        _check_target(session, project, release)
        session.add(row)
        session.flush()
        payload = {"project": project, "release": release, "reason": row.reason, "owner": owner}
        audit_log(ctx.settings).record(
            session, [AuditEvent(actor, "hold.placed", row.id, payload)], now
        )
        return _info(row)


def _check_target(session: Session, project: str, release: str | None) -> None:
    """A hold names a project (and release) of the store: a typo would hold nothing."""
    from sqlalchemy import select

    from assay.store.models import ProjectRow, ReleaseRow

    found = session.scalar(select(ProjectRow).where(ProjectRow.name == project))
    if found is None:
        raise NotFoundError(
            f"no project {project} in the store", hint="a hold names a project Assay has certified"
        )
    if (
        release is not None
        and session.scalar(
            select(ReleaseRow).where(ReleaseRow.project_id == found.id, ReleaseRow.name == release)
        )
        is None
    ):
        raise NotFoundError(
            f"no release {release} of {project}", hint="list them: assay release status NAME"
        )


def release_hold(ctx: Context, ident: str, *, now: datetime, actor: str = "local") -> HoldInfo:
    store = ctx.store(create=False)
    with store.transaction() as session:
        row = next((h for h in rows.active_holds(session) if h.id.startswith(ident)), None)
        if row is None or len(ident) < 4:
            raise NotFoundError(
                f"no active legal hold {ident!r}", hint="list them: assay retention holds"
            )
        authorize(ctx, actor, Operation.LEGAL_HOLD, Target(row.project, row.release), now)
        row.released_by, row.released_at = actor, now
        audit_log(ctx.settings).record(
            session, [AuditEvent(actor, "hold.released", row.id, {"hold": row.id})], now
        )
        return _info(row)


def list_holds(ctx: Context) -> list[HoldInfo]:
    """The legal holds in force, oldest first."""
    store = ctx.store(create=False)
    with store.snapshot() as session:
        return [_info(h) for h in rows.active_holds(session)]
