"""Readiness certificates: issued only when the release is ready, signed, revocable, and
renewed (re-judged, with a successor naming its predecessor) once due for review."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from assay import __version__
from assay.collectors.pyproject import project_label
from assay.core.access import Operation, Target
from assay.core.gates import GateResult
from assay.core.review import next_review_of
from assay.errors import Conflict, NotFoundError, Refused, UsageError
from assay.files import write_atomically
from assay.formats import certificate as certificate_format
from assay.formats.report import gate_dict
from assay.services.access import authorize
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.services.releases import ReleaseStatus, release_status
from assay.services.signing import Passphrase, signing_key
from assay.services.verify import CERTIFICATE_PREDICATE, REVOCATIONS_PREDICATE, statement_digest
from assay.signing.dsse import sign_statement, statement
from assay.signing.keys import key_id
from assay.store import repositories as repo
from assay.store.models import CertificateRow, ReleaseRow

__all__ = [
    "CertificateInfo",
    "IssuedCertificate",
    "Predecessor",
    "get_certificate",
    "issue_certificate",
    "list_certificates",
    "newest_unrevoked",
    "refuse_unless_ready",
    "revocation_list",
    "revoke_certificate",
    "sign_certificate",
]

VERIFIER_ID = "https://assay.dev/verifier/cli/v1"


@dataclass(frozen=True)
class IssuedCertificate:
    id: str
    statement_sha256: str
    envelope_path: Path
    markdown_path: Path
    html_path: Path
    valid_until: datetime
    predecessor: str | None = None
    """The certificate a renewal supersedes."""


@dataclass(frozen=True)
class CertificateInfo:
    id: str
    release: str
    statement_sha256: str
    issued_at: datetime
    valid_until: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
    next_review: datetime | None
    review_due: bool
    """Past its next review, not revoked and not renewed yet."""
    predecessor: str | None
    """The certificate this one renewed; None when it was issued."""


@dataclass(frozen=True)
class Predecessor:
    """The certificate a renewal supersedes."""

    id: str
    statement_sha256: str


def issue_certificate(
    ctx: Context,
    project: Path | str,
    release: str,
    *,
    now: datetime,
    ask: Passphrase | None = None,
    output: Path | None = None,
    actor: str = "unknown",
) -> IssuedCertificate:
    """Sign a certificate for the release, or refuse, listing everything still missing."""
    target = Target(project_label(project), release)
    authorize(ctx, actor, Operation.ISSUE_CERTIFICATE, target, now)
    status = release_status(ctx, project, release, now)
    refuse_unless_ready(status, release)
    return sign_certificate(ctx, status, now=now, ask=ask, output=output, actor=actor)


def refuse_unless_ready(status: ReleaseStatus, release: str) -> None:
    if not status.ready:
        raise Refused(
            f"release {release} cannot be certified yet:\n  - " + "\n  - ".join(status.missing),
            hint=f"see: assay release status {release}",
        )


def newest_unrevoked(session: Session, release_id: str) -> Predecessor | None:
    """The release's newest certificate that is not revoked: the one a renewal supersedes."""
    row = session.execute(
        select(CertificateRow.id, CertificateRow.statement_sha256)
        .where(CertificateRow.release_id == release_id, CertificateRow.revoked_at.is_(None))
        .order_by(CertificateRow.issued_at.desc(), CertificateRow.id.desc())
        .limit(1)
    ).first()
    return Predecessor(row[0], row[1]) if row is not None else None


def sign_certificate(
    ctx: Context,
    status: ReleaseStatus,
    *,
    now: datetime,
    ask: Passphrase | None,
    output: Path | None,
    actor: str,
    predecessor: Predecessor | None = None,
) -> IssuedCertificate:
    """Sign and record a certificate of a ready release (a successor of ``predecessor``
    when given), and write its files."""
    key = signing_key(ctx.settings, ask)
    body = certificate_statement(status, now, ctx, supersedes=predecessor)
    envelope = sign_statement(body, key)
    digest = statement_digest(envelope)
    predicate = body["predicate"]
    valid_until = datetime.fromisoformat(predicate["valid_until"])
    store = ctx.store(create=False)
    with store.transaction(exclusive=True) as session:
        # Issued twice in the same second, the statement is the same: it is the same
        # certificate (two concurrent requests used to collide on its digest with a 500).
        same = select(CertificateRow.id).where(CertificateRow.statement_sha256 == digest)
        certificate_id = session.scalar(same)
        if certificate_id is None:
            if predecessor is not None:
                _still_newest(session, status, predecessor)
            record = _Record(actor, status, envelope, digest, key, valid_until, predecessor)
            certificate_id = _record_certificate(session, ctx, record, now)
    folder = output or ctx.settings.state_dir / "certificates" / certificate_id
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{status.release.project}-{status.release.name}"
    envelope_path = folder / f"{stem}.certificate.intoto.json"
    write_atomically(envelope_path, json.dumps(envelope, indent=2, sort_keys=True) + "\n")
    markdown_path = folder / f"{stem}.certificate.md"
    write_atomically(markdown_path, certificate_format.to_markdown(body, digest))
    html_path = folder / f"{stem}.certificate.html"
    write_atomically(html_path, certificate_format.to_html(body, digest))
    return IssuedCertificate(
        certificate_id,
        digest,
        envelope_path,
        markdown_path,
        html_path,
        valid_until,
        predecessor.id if predecessor else None,
    )


def _still_newest(session: Session, status: ReleaseStatus, predecessor: Predecessor) -> None:
    """Refuse a successor of a certificate that another renewal superseded, or that was
    revoked, while this one was being signed."""
    newest = newest_unrevoked(session, status.release.id)
    if newest is None or newest.id != predecessor.id:
        raise Conflict(
            f"certificate {predecessor.id} of {status.release.name} was renewed or revoked "
            "meanwhile",
            hint=f"see: assay certificate list; renew again: assay certificate renew "
            f"{status.release.name}",
        )


@dataclass(frozen=True)
class _Record:
    actor: str
    status: ReleaseStatus
    envelope: dict[str, Any]
    digest: str
    key: Ed25519PrivateKey
    valid_until: datetime
    predecessor: Predecessor | None


def _record_certificate(session: Session, ctx: Context, record: _Record, now: datetime) -> str:
    release = record.status.release
    row = CertificateRow(
        id=repo.new_id(),
        release_id=release.id,
        statement_sha256=record.digest,
        envelope=json.dumps(record.envelope, sort_keys=True),
        key_id=key_id(record.key.public_key()),
        issued_at=now,
        valid_until=record.valid_until,
        predecessor_id=record.predecessor.id if record.predecessor else None,
    )
    session.add(row)
    subject = f"{release.project}@{release.name}"
    payload = {
        "certificate": row.id,
        "statement_sha256": record.digest,
        "valid_until": str(record.valid_until),
    }
    action = "certificate.issued"
    if record.predecessor is not None:
        action = "certificate.renewed"
        payload |= {
            "predecessor": record.predecessor.id,
            "predecessor_sha256": record.predecessor.statement_sha256,
        }
    event = AuditEvent(record.actor, action, subject, payload)
    audit_log(ctx.settings).record(session, [event], now)
    return row.id


def certificate_statement(
    status: ReleaseStatus, now: datetime, ctx: Context, *, supersedes: Predecessor | None = None
) -> dict[str, Any]:
    """The unsigned in-toto statement of a certificate for a ready release (of a renewal,
    naming the certificate it supersedes)."""
    release = status.release
    issued = now.astimezone(UTC).replace(microsecond=0)
    valid_until = issued + relativedelta(months=ctx.settings.certificate.validity_months)
    next_review = issued + relativedelta(months=ctx.settings.certificate.review_months)
    conditions = [c for role in status.roles for c in role.conditions]
    predicate = {
        "verifier": {"id": VERIFIER_ID, "version": {"assay": __version__}},
        "verificationResult": "PASSED",
        "release": {
            "project": release.project,
            "name": release.name,
            "run": release.run_id,
            "commit": release.commit,
            "evidence_digest": release.evidence_digest,
        },
        "policy": {
            "digest": status.gates.policy_digest,
            "disabled": [{"gate": g, "reason": why} for g, why in status.gates.disabled],
        },
        "gates": [_gate(g) for g in status.gates.gates],
        "signoffs": [
            {
                "role": s.role,
                "signer": s.signer,
                "decision": s.decision.value,
                "condition": s.condition,
                "due": s.due.isoformat() if s.due else None,
                "signed_at": s.signed_at.isoformat(),
                "expires_at": s.expires_at.isoformat(),
                "evidence_digest": s.evidence_digest,
            }
            for s in status.signoffs
            if s.evidence_digest == release.evidence_digest
            and any(s.signer in r.approved_by and s.role == r.role for r in status.roles)
        ],
        "conditions": [
            {"role": c.role, "signer": c.signer, "condition": c.text, "due": c.due.isoformat()}
            for c in conditions
        ],
        "issued_at": issued.isoformat(),
        "valid_until": valid_until.isoformat(),
        "next_review": next_review.isoformat(),
    }
    if supersedes is not None:
        predicate["supersedes"] = {
            "id": supersedes.id,
            "statement_sha256": supersedes.statement_sha256,
        }
    subject = [
        {"name": f"{release.project}@{release.name}", "digest": {"sha256": release.evidence_digest}}
    ]
    return statement(subject, CERTIFICATE_PREDICATE, predicate)


def revoke_certificate(
    ctx: Context, ident: str, reason: str, *, now: datetime, actor: str = "unknown"
) -> CertificateInfo:
    if not reason.strip():
        raise UsageError("a revocation needs a reason", hint='--reason "why"')
    authorize(ctx, actor, Operation.REVOKE_CERTIFICATE, Target(), now)
    store = ctx.store(create=False)
    with store.transaction(exclusive=True) as session:
        row = _certificate(session, ident)
        if row.revoked_at is not None:
            raise UsageError(
                f"certificate {row.id} was already revoked on {row.revoked_at.isoformat()}"
            )
        row.revoked_at, row.revoke_reason = now, reason
        session.flush()
        info = _info(row, now, renewed=_renewed(session, [row.id]))
        payload = {"reason": reason, "statement_sha256": row.statement_sha256}
        event = AuditEvent(actor, "certificate.revoked", row.id, payload)
        audit_log(ctx.settings).record(session, [event], now)
        return info


def get_certificate(
    ctx: Context, ident: str, *, now: datetime | None = None
) -> tuple[CertificateInfo, dict[str, Any]]:
    """One certificate (by id or statement digest, or a unique prefix) and its signed
    envelope; whether it is due for review is judged at ``now`` (default: the present)."""
    store = ctx.store(create=False)
    with store.transaction() as session:
        row = _certificate(session, ident)
        envelope: dict[str, Any] = json.loads(row.envelope)
        info = _info(row, now or datetime.now(UTC), renewed=_renewed(session, [row.id]))
        return info, envelope


def list_certificates(ctx: Context, *, now: datetime | None = None) -> list[CertificateInfo]:
    """The store's certificates, oldest first; whether each is due for review is judged at
    ``now`` (default: the present)."""
    moment = now or datetime.now(UTC)
    store = ctx.store(create=False)
    with store.transaction() as session:
        query = select(CertificateRow).options(
            joinedload(CertificateRow.release).joinedload(ReleaseRow.project)
        )
        rows = session.scalars(query.order_by(CertificateRow.issued_at)).all()
        renewed = {row.predecessor_id for row in rows if row.predecessor_id}
        return [_info(row, moment, renewed=renewed) for row in rows]


def revocation_list(
    ctx: Context, *, now: datetime, ask: Passphrase | None = None
) -> dict[str, Any]:
    """A signed list of the store's revoked certificates, for offline verification."""
    revoked = [c for c in list_certificates(ctx) if c.revoked_at is not None]
    subjects = [
        {"name": f"certificate:{c.id}", "digest": {"sha256": c.statement_sha256}} for c in revoked
    ]
    predicate = {
        "issued_at": now.astimezone(UTC).replace(microsecond=0).isoformat(),
        "revocations": {
            c.statement_sha256: {
                "reason": c.revoke_reason,
                "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
                "release": c.release,
            }
            for c in revoked
        },
    }
    return sign_statement(
        statement(subjects, REVOCATIONS_PREDICATE, predicate), signing_key(ctx.settings, ask)
    )


def _gate(result: GateResult) -> dict[str, Any]:
    body = gate_dict(result)
    body.pop("passes_when", None)
    return body


def _certificate(session: Session, ident: str) -> CertificateRow:
    ident = ident.lower().removeprefix("sha256:")
    rows = session.scalars(
        select(CertificateRow)
        .where(
            CertificateRow.id.startswith(ident, autoescape=True)
            | CertificateRow.statement_sha256.startswith(ident, autoescape=True)
        )
        .limit(2)
    ).all()
    if not rows:
        raise NotFoundError(
            f"no certificate matches {ident!r}", hint="list them with: assay certificate list"
        )
    if len(rows) > 1:
        raise UsageError(
            f"{ident!r} matches more than one certificate", hint="give more characters"
        )
    found: CertificateRow = rows[0]
    return found


def _renewed(session: Session, ids: list[str]) -> set[str]:
    """Those of ``ids`` that a later certificate renewed."""
    query = select(CertificateRow.predecessor_id).where(CertificateRow.predecessor_id.in_(ids))
    return {found for found in session.scalars(query) if found}


def _info(row: CertificateRow, now: datetime, *, renewed: set[str]) -> CertificateInfo:
    release: ReleaseRow = row.release
    next_review = _next_review(row.envelope)
    due = next_review is not None and now > next_review
    return CertificateInfo(
        id=row.id,
        release=f"{release.project.name}@{release.name}",
        statement_sha256=row.statement_sha256,
        issued_at=row.issued_at,
        valid_until=row.valid_until,
        revoked_at=row.revoked_at,
        revoke_reason=row.revoke_reason,
        next_review=next_review,
        review_due=due and row.revoked_at is None and row.id not in renewed,
        predecessor=row.predecessor_id,
    )


def _next_review(stored: str) -> datetime | None:
    """The next review named in a stored envelope's statement."""
    try:
        envelope = json.loads(stored)
        document = json.loads(base64.b64decode(str(envelope.get("payload", ""))))
    except ValueError:
        return None
    predicate = document.get("predicate") if isinstance(document, dict) else None
    return next_review_of(predicate) if isinstance(predicate, dict) else None
