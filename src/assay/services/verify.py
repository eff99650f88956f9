"""Verifying Assay documents offline: provenance, certificates, revocation lists.

Only public keys are needed. A failure says why: malformed, unknown key, bad signature,
digest mismatch, expired or revoked. A certificate with a condition past due is expired; one
past its next review passes with a note or, with ``[certificate] review_overdue = "fail"``,
is expired too.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assay.core.review import due_note, review_state
from assay.errors import NotFoundError, UsageError
from assay.services.context import Context
from assay.signing.dsse import FailureReason, VerificationFailure, open_envelope

__all__ = [
    "CERTIFICATE_PREDICATE",
    "PROVENANCE_PREDICATE",
    "REVOCATIONS_PREDICATE",
    "ReviewOverdue",
    "Revoked",
    "Verified",
    "VerifyOutcome",
    "read_envelope",
    "revocations_of",
    "statement_digest",
    "verify_envelope",
    "verify_file",
    "verify_posted",
]

PROVENANCE_PREDICATE = "https://slsa.dev/provenance/v1"
CERTIFICATE_PREDICATE = "https://assay.dev/readiness-certificate/v1"
REVOCATIONS_PREDICATE = "https://assay.dev/revocation-list/v1"

ReviewOverdue = Literal["warn", "fail"]
"""What a certificate past its next review does to verification ([certificate]
review_overdue): pass with a note, or fail."""


@dataclass(frozen=True)
class Revoked:
    statement_sha256: str
    reason: str
    revoked_at: str


@dataclass(frozen=True)
class Verified:
    kind: str
    """provenance, certificate, revocation list, or statement."""
    key_id: str
    statement: dict[str, Any]
    statement_sha256: str
    details: tuple[str, ...]


def read_envelope(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise VerificationFailure(FailureReason.MALFORMED, f"no such file: {path}") from exc
    except IsADirectoryError as exc:
        raise VerificationFailure(FailureReason.MALFORMED, f"{path} is a folder") from exc
    except (ValueError, RecursionError) as exc:  # also bad UTF-8; RecursionError: deep nesting
        raise VerificationFailure(FailureReason.MALFORMED, f"{path} is not JSON") from exc


def statement_digest(envelope: Mapping[str, Any]) -> str:
    """SHA-256 of the signed payload bytes: the identity of a certificate."""
    return hashlib.sha256(base64.b64decode(str(envelope.get("payload", "")))).hexdigest()


def verify_envelope(
    envelope: Any,
    keys: Mapping[str, Ed25519PublicKey],
    *,
    now: datetime,
    artifacts: Path | None = None,
    revoked: Mapping[str, Revoked] | None = None,
    review_overdue: ReviewOverdue = "warn",
) -> Verified:
    """Verify the signature, then what the document's type asks for: artifact digests for
    provenance; validity, revocation, review and conditions for certificates."""
    document, signer = open_envelope(envelope, keys)
    digest = statement_digest(envelope)
    predicate_type = document.get("predicateType")
    raw = document.get("predicate")
    predicate: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if predicate_type == PROVENANCE_PREDICATE:
        details = _check_subjects(document, artifacts)
        return Verified("provenance", signer, document, digest, details)
    if predicate_type == CERTIFICATE_PREDICATE:
        details = _check_certificate(predicate, digest, now, revoked or {})
        details += _check_review(predicate, now, review_overdue)
        return Verified("certificate", signer, document, digest, details)
    if predicate_type == REVOCATIONS_PREDICATE:
        count = len(_subjects(document))
        return Verified("revocation list", signer, document, digest, (f"{count} revoked",))
    return Verified("statement", signer, document, digest, (f"predicate {predicate_type}",))


def revocations_of(verified: Verified) -> dict[str, Revoked]:
    """The entries of a verified revocation list, by certificate statement digest."""
    if verified.kind != "revocation list":
        raise VerificationFailure(
            FailureReason.MALFORMED, "the revocation file is not a revocation list"
        )
    predicate = verified.statement.get("predicate")
    reasons = predicate.get("revocations") if isinstance(predicate, dict) else None
    result = {}
    for subject in _subjects(verified.statement):
        sha = _sha256(subject)
        entry = reasons.get(sha) if isinstance(reasons, dict) else None
        entry = entry if isinstance(entry, dict) else {}
        result[sha] = Revoked(sha, str(entry.get("reason", "")), str(entry.get("revoked_at", "")))
    return result


def _subjects(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The statement's subjects, each an object (in-toto requires them); none: empty."""
    subjects = document.get("subject")
    if subjects is None:
        return []
    if not isinstance(subjects, list) or not all(isinstance(s, dict) for s in subjects):
        raise VerificationFailure(
            FailureReason.MALFORMED, "the statement's subject is not a list of objects"
        )
    return subjects


def _sha256(subject: Mapping[str, Any]) -> str:
    digest = subject.get("digest")
    return str(digest.get("sha256", "")) if isinstance(digest, dict) else ""


def _check_subjects(document: Mapping[str, Any], artifacts: Path | None) -> tuple[str, ...]:
    subjects = _subjects(document)
    if not subjects:
        raise VerificationFailure(FailureReason.MALFORMED, "the statement has no subjects")
    if artifacts is None:
        return (f"{len(subjects)} subject(s); artifacts not checked (no folder given)",)
    details = []
    for subject in subjects:
        name = str(subject.get("name", ""))
        expected = _sha256(subject)
        path = artifacts / Path(name).name
        if not path.is_file():
            raise VerificationFailure(
                FailureReason.DIGEST_MISMATCH, f"artifact {name} is not in {artifacts}"
            )
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            raise VerificationFailure(
                FailureReason.DIGEST_MISMATCH,
                f"{name} has sha256 {actual[:16]}…, the provenance says {expected[:16]}…",
            )
        details.append(f"{name}: sha256 matches")
    return tuple(details)


def _check_certificate(
    predicate: Mapping[str, Any], digest: str, now: datetime, revoked: Mapping[str, Revoked]
) -> tuple[str, ...]:
    if digest in revoked:
        entry = revoked[digest]
        raise VerificationFailure(
            FailureReason.REVOKED, f"revoked on {entry.revoked_at}: {entry.reason}"
        )
    until = predicate.get("valid_until")
    try:
        valid_until = datetime.fromisoformat(str(until))
    except ValueError as exc:
        raise VerificationFailure(FailureReason.MALFORMED, "valid_until is not a time") from exc
    if valid_until.utcoffset() is None:  # a time without a zone names no moment
        raise VerificationFailure(
            FailureReason.MALFORMED,
            f"valid_until {until} has no time zone (Assay writes one: +00:00)",
        )
    if now > valid_until:
        raise VerificationFailure(FailureReason.EXPIRED, f"expired on {until}")
    release = predicate.get("release")
    release = release if isinstance(release, dict) else {}
    return (
        f"release {release.get('project')} {release.get('name')}",
        f"valid until {until}; next review {predicate.get('next_review')}",
    )


def _check_review(
    predicate: Mapping[str, Any], now: datetime, review_overdue: ReviewOverdue
) -> tuple[str, ...]:
    """An overdue condition fails the certificate; a review past due fails it or adds a
    note, as ``review_overdue`` says."""
    try:
        state = review_state(predicate, now)
    except ValueError as exc:
        raise VerificationFailure(FailureReason.MALFORMED, str(exc)) from exc
    if state.overdue:
        raise VerificationFailure(
            FailureReason.EXPIRED, "; ".join(c.describe() for c in state.overdue)
        )
    if state.due_since is None:
        return ()
    release = predicate.get("release")
    name = release.get("name") if isinstance(release, dict) else None
    note = due_note(state.due_since, str(name or "RELEASE"))
    if review_overdue == "fail":
        raise VerificationFailure(FailureReason.EXPIRED, note)
    return (f"note: {note}",)


@dataclass(frozen=True)
class VerifyOutcome:
    verified: Verified | None
    failure: VerificationFailure | None


def verify_file(
    document: Path,
    key_files: list[Path],
    *,
    artifacts: Path | None = None,
    revocations: Path | None = None,
    ctx: Context | None = None,
    now: datetime | None = None,
    review_overdue: ReviewOverdue | None = None,
) -> VerifyOutcome:
    """Verify a document file with the given public keys (and, with ``ctx``, the
    project's trusted keys and its store's revocations). A certificate past its next
    review passes with a note or fails, as ``review_overdue`` says (default: the
    project's ``[certificate] review_overdue`` with ``ctx``, else warn)."""
    from assay.signing.keys import key_id, load_public_key

    keys = {}
    for path in key_files:
        key = load_public_key(path)
        keys[key_id(key)] = key
    if ctx is not None:
        from assay.services.signing import trusted_keys

        keys.update(trusted_keys(ctx.settings))
    if not keys:
        raise UsageError(
            "no trusted public key to verify with",
            hint="pass --key PUBLIC.pem (from assay keys export-public)",
        )
    moment = now or datetime.now(UTC)
    if review_overdue is None:
        review_overdue = ctx.settings.certificate.review_overdue if ctx is not None else "warn"
    try:
        revoked: dict[str, Revoked] = {}
        if revocations is not None:
            try:
                listing = verify_envelope(read_envelope(revocations), keys, now=moment)
            except VerificationFailure as failure:
                raise VerificationFailure(
                    failure.reason, f"revocation list {revocations}: {failure.detail}"
                ) from failure
            revoked.update(revocations_of(listing))
        if ctx is not None:
            revoked.update(_stored_revocations(ctx))
        verified = verify_envelope(
            read_envelope(document),
            keys,
            now=moment,
            artifacts=artifacts or document.parent,
            revoked=revoked,
            review_overdue=review_overdue,
        )
    except VerificationFailure as failure:
        return VerifyOutcome(None, failure)
    return VerifyOutcome(verified, None)


def _stored_revocations(ctx: Context) -> dict[str, Revoked]:
    from assay.store import repositories as repo

    try:
        store = ctx.store(create=False)
    except NotFoundError:
        return {}
    with store.transaction() as session:
        return {
            row.statement_sha256: Revoked(
                row.statement_sha256,
                row.revoke_reason or "",
                row.revoked_at.isoformat() if row.revoked_at else "",
            )
            for row in repo.revoked_certificates(session)
        }


def verify_posted(ctx: Context, envelope: Any, now: datetime) -> VerifyOutcome:
    """Verify an envelope sent to the team server, with the store's trusted keys and its
    revocations (no artifacts: a certificate names none; provenance needs ``assay verify``)."""
    from assay.services.signing import trusted_keys

    keys = trusted_keys(ctx.settings)
    if not keys:
        raise UsageError(
            "the server has no trusted public key to verify with",
            hint="generate one (assay keys generate) or list [signing] trusted_keys",
        )
    try:
        verified = verify_envelope(
            envelope,
            keys,
            now=now,
            revoked=_stored_revocations(ctx),
            review_overdue=ctx.settings.certificate.review_overdue,
        )
    except VerificationFailure as failure:
        return VerifyOutcome(None, failure)
    return VerifyOutcome(verified, None)
