"""Readiness certificates: issued only when the release is ready, signed, revocable."""

from __future__ import annotations

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
from assay.errors import NotFoundError, Refused, UsageError
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
    "get_certificate",
    "issue_certificate",
    "list_certificates",
    "revocation_list",
    "revoke_certificate",
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


@dataclass(frozen=True)
class CertificateInfo:
    id: str
    release: str
    statement_sha256: str
    issued_at: datetime
    valid_until: datetime
    revoked_at: datetime | None
    revoke_reason: str | None


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
    if not status.ready:
        raise Refused(
            f"release {release} cannot be certified yet:\n  - " + "\n  - ".join(status.missing),
            hint=f"see: assay release status {release}",
        )
    key = signing_key(ctx.settings, ask)
    body = certificate_statement(status, now, ctx)
    envelope = sign_statement(body, key)
    digest = statement_digest(envelope)
    predicate = body["predicate"]
    valid_until = datetime.fromisoformat(predicate["valid_until"])
    store = ctx.store(create=False)
    with store.transaction(exclusive=True) as session:
        # Issued twice in the same second, the statement is the same: it is the same
        # certificate (two concurrent requests used to collide on its digest with a 500).
        same = select(CertificateRow.id).where(CertificateRow.statement_sha256 == digest)
        certificate_id = session.scalar(same) or _record_certificate(
            session, ctx, actor, status, envelope, digest, key, valid_until, now
        )
    folder = output or ctx.settings.state_dir / "certificates" / certificate_id
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{status.release.project}-{status.release.name}"
    envelope_path = folder / f"{stem}.certificate.intoto.json"
    envelope_path.write_text(json.dumps(envelope, indent=2, sort_keys=True) + "\n", "utf-8")
    markdown_path = folder / f"{stem}.certificate.md"
    markdown_path.write_text(certificate_format.to_markdown(body, digest), encoding="utf-8")
    html_path = folder / f"{stem}.certificate.html"
    html_path.write_text(certificate_format.to_html(body, digest), encoding="utf-8")
    return IssuedCertificate(
        certificate_id, digest, envelope_path, markdown_path, html_path, valid_until
    )


def _record_certificate(
    session: Session,
    ctx: Context,
    actor: str,
    status: ReleaseStatus,
    envelope: dict[str, Any],
    digest: str,
    key: Ed25519PrivateKey,
    valid_until: datetime,
    now: datetime,
) -> str:
    row = CertificateRow(
        id=repo.new_id(),
        release_id=status.release.id,
        statement_sha256=digest,
        envelope=json.dumps(envelope, sort_keys=True),
        key_id=key_id(key.public_key()),
        issued_at=now,
        valid_until=valid_until,
    )
    session.add(row)
    subject = f"{status.release.project}@{status.release.name}"
    payload = {"certificate": row.id, "statement_sha256": digest, "valid_until": str(valid_until)}
    event = AuditEvent(actor, "certificate.issued", subject, payload)
    audit_log(ctx.settings).record(session, [event], now)
    return row.id


def certificate_statement(status: ReleaseStatus, now: datetime, ctx: Context) -> dict[str, Any]:
    """The unsigned in-toto statement of a certificate for a ready release."""
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
        info = _info(row)
        payload = {"reason": reason, "statement_sha256": row.statement_sha256}
        event = AuditEvent(actor, "certificate.revoked", row.id, payload)
        audit_log(ctx.settings).record(session, [event], now)
        return info


def get_certificate(ctx: Context, ident: str) -> tuple[CertificateInfo, dict[str, Any]]:
    """One certificate (by id or statement digest, or a unique prefix) and its signed
    envelope."""
    store = ctx.store(create=False)
    with store.transaction() as session:
        row = _certificate(session, ident)
        envelope: dict[str, Any] = json.loads(row.envelope)
        return _info(row), envelope


def list_certificates(ctx: Context) -> list[CertificateInfo]:
    store = ctx.store(create=False)
    with store.transaction() as session:
        query = select(CertificateRow).options(
            joinedload(CertificateRow.release).joinedload(ReleaseRow.project)
        )
        rows = session.scalars(query.order_by(CertificateRow.issued_at)).all()
        return [_info(row) for row in rows]


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


def _info(row: CertificateRow) -> CertificateInfo:
    release: ReleaseRow = row.release
    return CertificateInfo(
        id=row.id,
        release=f"{release.project.name}@{release.name}",
        statement_sha256=row.statement_sha256,
        issued_at=row.issued_at,
        valid_until=row.valid_until,
        revoked_at=row.revoked_at,
        revoke_reason=row.revoke_reason,
    )
