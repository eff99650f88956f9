"""Releases and sign-offs: a release binds one run's evidence; roles approve it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.collectors.pyproject import project_label
from assay.core.access import Operation, Target
from assay.core.evidence import evidence_digest
from assay.core.signoff import (
    Decision,
    RoleState,
    Signoff,
    missing_signoffs,
    refusal,
    role_states,
)
from assay.errors import NotFoundError, PreconditionFailed, Refused, UsageError
from assay.services.access import PermissionRefused, Refusal, authorize, record_refusal
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.services.gates import GatesOutcome, judge_records
from assay.store import repositories as repo
from assay.store.database import Store
from assay.store.models import ProjectRow, ReleaseRow, RunRow, SignoffRow

__all__ = [
    "ReleaseInfo",
    "ReleaseStatus",
    "create_release",
    "digest_of",
    "evidence_digest",
    "release_etag",
    "release_status",
    "run_of",
    "sign_off",
    "update_release",
]


@dataclass(frozen=True)
class ReleaseInfo:
    id: str
    project: str
    name: str
    run_id: str
    evidence_digest: str
    created_by: str
    run_author: str | None
    commit: str | None
    etag: str
    """Changes whenever the release or its sign-offs change (If-Match on state changes)."""


@dataclass(frozen=True)
class ReleaseStatus:
    release: ReleaseInfo
    gates: GatesOutcome
    roles: tuple[RoleState, ...]
    signoffs: tuple[Signoff, ...]

    @property
    def missing(self) -> list[str]:
        """Everything that stands between the release and a certificate."""
        lines = [
            f"gate {g.gate.id} ({g.gate.title}) is {g.status.value}: {g.explanation}"
            for g in self.gates.gates
            if g.status.value not in ("pass", "waived")
        ]
        return lines + missing_signoffs(self.roles)

    @property
    def ready(self) -> bool:
        return not self.missing


def create_release(
    ctx: Context, project: Path | str, name: str, *, run: str | None, by: str, now: datetime
) -> ReleaseInfo:
    """Bind a new release of the project to a run (default: the project's newest)."""
    _check_name(name)
    authorize(ctx, by, Operation.CREATE_RELEASE, Target(project_label(project), name), now)
    store = _open(ctx)
    with store.transaction(exclusive=True) as session:
        run_row = run_of(session, project, run)
        project_row = run_row.project
        if _find(session, project_row, name, lock=False) is not None:
            raise UsageError(
                f"release {name} of {project_row.name} already exists",
                hint=f"bind it to newer evidence with: assay release update {name}",
            )
        # PostgreSQL runs two creators side by side: both may find no release above;
        # the one whose insert is ignored is told so, not failed by the unique key.
        created = session.scalar(
            repo.insert_or_ignore(session, ReleaseRow, "project_id", "name")
            .values(
                id=repo.new_id(),
                project_id=project_row.id,
                name=name,
                run_id=run_row.id,
                evidence_digest=digest_of(run_row),
                created_at=now,
                created_by=by,
                updated_at=now,
            )
            .returning(ReleaseRow.id)
        )
        if created is None:
            raise UsageError(
                f"release {name} of {project_row.name} already exists",
                hint=f"bind it to newer evidence with: assay release update {name}",
            )
        row = session.get_one(ReleaseRow, created)
        row.run = run_row
        row.project = project_row
        info = _info(row)
        payload = {"run": info.run_id, "evidence_digest": info.evidence_digest}
        event = AuditEvent(by, "release.created", f"{info.project}@{name}", payload)
        audit_log(ctx.settings).record(session, [event], now)
        return info


def update_release(
    ctx: Context,
    project: Path | str,
    name: str,
    *,
    run: str | None,
    now: datetime,
    by: str = "unknown",
    expect: str | None = None,
) -> tuple[ReleaseInfo, bool]:
    """Bind the release to newer evidence; sign-offs of the old evidence become void.
    Returns the release and whether its evidence changed."""
    authorize(ctx, by, Operation.UPDATE_RELEASE, Target(project_label(project), name), now)
    store = _open(ctx)
    with store.transaction(exclusive=True) as session:
        release = _release(session, project, name, lock=True)
        _expect(release, expect)
        run_row = run_of(session, project, run)
        digest = digest_of(run_row)
        changed = digest != release.evidence_digest
        release.run_id, release.run, release.evidence_digest = run_row.id, run_row, digest
        release.updated_at = now
        session.flush()
        info = _info(release)
        payload = {"run": info.run_id, "evidence_digest": digest, "changed": changed}
        event = AuditEvent(by, "release.updated", f"{info.project}@{name}", payload)
        audit_log(ctx.settings).record(session, [event], now)
        return info, changed


def release_status(ctx: Context, project: Path | str, name: str, now: datetime) -> ReleaseStatus:
    """Gates (judged now, with the current policy and waivers) and sign-offs of a release."""
    store = _open(ctx)
    with store.transaction() as session:
        release = _release(session, project, name, lock=False)
        records = [repo.to_record(e, store.locker) for e in release.run.evidence]
        signoffs = tuple(_signoff(s) for s in release.signoffs)
        info = _info(release)
    gates = judge_records(ctx, records, now.date(), info.run_id)
    roles = role_states(ctx.settings.signoff.roles, signoffs, info.evidence_digest, now)
    return ReleaseStatus(info, gates, roles, signoffs)


def sign_off(
    ctx: Context,
    project: Path | str,
    name: str,
    *,
    role: str,
    actor: str,
    decision: Decision,
    condition: str | None,
    due: date | None,
    now: datetime,
    expect: str | None = None,
    signer: str | None = None,
) -> Signoff:
    """Record one sign-off by the acting principal, under a lock on the release so that
    concurrent sign-offs see each other: separation of duties holds however many signers
    act at once. ``signer``, when given, must name the acting principal (`--as` states who
    signs; it never signs for someone else)."""
    roles = ctx.settings.signoff.roles
    if role not in roles:
        raise UsageError(
            f"{role!r} is not a sign-off role of this project",
            hint=f"roles: {', '.join(roles)} (set them in [signoff] roles)",
        )
    if not actor.strip() or (signer is not None and not signer.strip()):
        raise UsageError("the signer is empty", hint="set ASSAY_PRINCIPAL or git's user.email")
    if decision is Decision.CONDITIONAL:
        if not condition or due is None:
            raise UsageError(
                "a conditional approval needs the condition and its due date",
                hint='--conditional "what must happen" --due YYYY-MM-DD',
            )
        if due < now.date():
            raise UsageError(f"the due date {due.isoformat()} has already passed")
    target = Target(project_label(project), name)
    who = authorize(ctx, actor, Operation.SIGN_OFF, target, now)
    if signer is not None and signer.casefold() != who.name.casefold():
        lacking = f"{who.name} may not sign as {signer}: a sign-off is the acting principal's"
        error = PermissionRefused(
            f"refused: {lacking}",
            hint=f"{signer} signs with their own identity (ASSAY_PRINCIPAL or ASSAY_TOKEN)",
        )
        made = Refusal(error, who.name, Operation.SIGN_OFF, target, lacking)
        raise record_refusal(ctx, made, now)
    signer = who.name
    if who.kind != "local" and role not in who.roles:
        lacking = f"{signer} does not hold the role {role}"
        error = PermissionRefused(
            f"refused: {lacking}", hint="ask an admin to add the role to the principal"
        )
        made = Refusal(error, signer, Operation.SIGN_OFF, target, lacking)
        raise record_refusal(ctx, made, now)
    store = _open(ctx)
    try:
        with store.transaction(exclusive=True) as session:
            release = _release(session, project, name, lock=True)
            _expect(release, expect)
            existing = [_signoff(s) for s in release.signoffs]
            why = refusal(role, signer, existing, release.run.author)
            if why:
                refused = Refused(f"sign-off refused: {why}", hint="ask another person to sign")
                raise Refusal(refused, signer, Operation.SIGN_OFF, target, why)
            row = SignoffRow(
                id=repo.new_id(),
                release_id=release.id,
                role=role,
                signer=signer,
                decision=decision.value,
                condition=condition if decision is Decision.CONDITIONAL else None,
                due=due if decision is Decision.CONDITIONAL else None,
                evidence_digest=release.evidence_digest,
                signed_at=now,
                expires_at=now + timedelta(days=ctx.settings.signoff.validity_days),
            )
            session.add(row)
            session.flush()
            entry = _signoff(row)
            payload = {
                "role": role,
                "decision": decision.value,
                "condition": entry.condition,
                "due": entry.due.isoformat() if entry.due else None,
                "evidence_digest": entry.evidence_digest,
            }
            subject = f"{release.project.name}@{name}"
            audit_log(ctx.settings).record(
                session, [AuditEvent(signer, "signoff.recorded", subject, payload)], now
            )
            return entry
    except Refusal as refusal_made:  # recorded once the sign-off's transaction ended
        raise record_refusal(ctx, refusal_made, now) from None


def _check_name(name: str) -> None:
    if not name.strip() or len(name) > 200 or any(c in name for c in "\n\r\t"):
        raise UsageError(f"invalid release name {name!r}", hint="for example: 2.3.0")


def _open(ctx: Context) -> Store:
    return ctx.store(create=False)


def run_of(session: Session, project: Path | str, run: str | None) -> RunRow:
    """The run ``run`` of the project, or its newest run."""
    if run:
        found = repo.find_run(session, run)
        if found.project.name != project_label(project):
            raise UsageError(
                f"run {found.id} belongs to {found.project.name}, not {project_label(project)}"
            )
        return found
    rows = repo.list_runs(session, 1, project_label(project))
    if not rows:
        raise NotFoundError(
            f"no runs of {project_label(project)} yet", hint="run: assay certify -C PATH"
        )
    return rows[0]


def _find(session: Session, project: ProjectRow, name: str, *, lock: bool) -> ReleaseRow | None:
    query = select(ReleaseRow).where(ReleaseRow.project_id == project.id, ReleaseRow.name == name)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def _release(session: Session, project: Path | str, name: str, *, lock: bool) -> ReleaseRow:
    label = project_label(project)
    project_row = session.scalar(select(ProjectRow).where(ProjectRow.name == label))
    release = _find(session, project_row, name, lock=lock) if project_row else None
    if release is None:
        raise NotFoundError(
            f"no release {name} of {label}",
            hint=f"create it with: assay release create {name}",
        )
    return release


def digest_of(run: RunRow) -> str:
    return evidence_digest([(e.kind, e.sha256) for e in run.evidence])


def _info(row: ReleaseRow) -> ReleaseInfo:
    return ReleaseInfo(
        id=row.id,
        project=row.project.name,
        name=row.name,
        run_id=row.run_id,
        evidence_digest=row.evidence_digest,
        created_by=row.created_by,
        run_author=row.run.author,
        commit=row.run.commit,
        etag=release_etag(row),
    )


def release_etag(row: ReleaseRow) -> str:
    """A digest of the release's binding and the ids of its sign-offs."""
    parts = [row.id, row.run_id, row.evidence_digest, *sorted(s.id for s in row.signoffs)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _expect(row: ReleaseRow, expected: str | None) -> None:
    """Refuse a change made against a state the caller has not seen (If-Match)."""
    if expected is not None and expected != release_etag(row):
        raise PreconditionFailed(
            f"release {row.name} changed since it was read (ETag {release_etag(row)})",
            hint="read the release status again, then retry with its ETag",
        )


def _signoff(row: SignoffRow) -> Signoff:
    return Signoff(
        role=row.role,
        signer=row.signer,
        decision=Decision(row.decision),
        condition=row.condition,
        due=row.due,
        evidence_digest=row.evidence_digest,
        signed_at=row.signed_at,
        expires_at=row.expires_at,
    )
