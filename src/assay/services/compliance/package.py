"""Auditor packages: everything about one release an auditor needs, verifiable offline.

The release's evidence blobs (or the signed tombstones of purged ones), its sign-offs and
certificates, its compliance status with the OSCAL and CycloneDX exports, and its audit
entries with inclusion proofs in a signed checkpoint, under a manifest signed with the
signing key. Built only from what is stored, at the time of the release's last audit
entry, so the same release gives byte-identical packages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay import __version__
from assay.collectors.pyproject import project_label
from assay.core.access import Operation, Target
from assay.core.evidence import stored_payload
from assay.core.merkle import inclusion_proof, leaf_hash
from assay.errors import NotFoundError
from assay.formats.compliance import status_document
from assay.formats.cyclonedx_attestations import attestations_bom
from assay.formats.oscal import assessment_results
from assay.formats.package import MANIFEST, manifest_statement, zip_members
from assay.services.access import authorize
from assay.services.audit_log import KEY_NAME, audit_log, payload_digest
from assay.services.audit_verify import leaf_of
from assay.services.compliance.status import compliance_status
from assay.services.context import Context
from assay.services.gates import load_policy
from assay.services.signing import Passphrase, signing_key
from assay.signing.dsse import sign_statement
from assay.signing.keys import key_id, public_pem
from assay.signing.note import verifier_key
from assay.store import audit as audit_rows
from assay.store.models import (
    AuditCheckpointRow,
    AuditEntryRow,
    CertificateRow,
    EvidenceRow,
    ReleaseRow,
)

__all__ = ["Package", "build_package"]


@dataclass(frozen=True)
class Package:
    data: bytes
    members: int
    evidence: int
    purged: int
    audit_entries: int


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def build_package(
    ctx: Context,
    project: Path | str,
    release: str,
    *,
    now: datetime,
    actor: str = "local",
    ask: Passphrase | None = None,
    key_name: str | None = None,
) -> Package:
    label = project_label(project)
    authorize(ctx, actor, Operation.READ_AUDIT, Target(label, release), now)
    key = signing_key(ctx.settings, ask, key_name)
    store = ctx.store(create=False)
    members: dict[str, bytes] = {}
    with store.snapshot() as session:
        row = _release(session, label, release)
        info = {
            "project": label,
            "release": release,
            "run": row.run_id,
            "commit": row.run.commit,
            "evidence_digest": row.evidence_digest,
        }
        evidence, purged = _evidence(members, row.run.evidence, store.locker)
        members["signoffs.json"] = _json(_signoffs(row))
        certificates = _certificates(members, session, row)
        entries, checkpoint = _audit(members, session, row, certificates)
        at = entries[-1].at if entries else row.created_at
        count, size, root = len(entries), checkpoint.size, checkpoint.root_hash
    audit_key = audit_log(ctx.settings).public_key()
    members["audit/audit-key.pem"] = public_pem(audit_key)
    shown = f"checkpoint {size}, root {root[:16]}"
    statuses = compliance_status(
        ctx, label, release=release, now=at, actor=actor, audit_record=shown
    )
    members["compliance/status.json"] = _json(status_document(statuses))
    members["exports/oscal-assessment-results.json"] = _json(
        assessment_results(statuses, assay_version=__version__)
    )
    members["exports/cyclonedx-attestations.json"] = _json(
        attestations_bom(statuses, assay_version=__version__)
    )
    predicate = {
        **info,
        "assessed_at": at.isoformat(),
        "policy_digest": load_policy(ctx).digest(),
        "assay": __version__,
        "signing_key": key_id(key.public_key()),
        "audit": {
            "checkpoint_size": size,
            "root_hash": root,
            "verifier_key": verifier_key(KEY_NAME, audit_key),
        },
        "evidence": {"count": evidence, "purged": purged},
    }
    members[MANIFEST] = _json(sign_statement(manifest_statement(members, predicate), key))
    return Package(zip_members(members), len(members), evidence, purged, count)


def _release(session: Session, label: str, name: str) -> ReleaseRow:
    from assay.store.models import ProjectRow

    row = session.scalar(
        select(ReleaseRow)
        .join(ProjectRow, ReleaseRow.project_id == ProjectRow.id)
        .where(ProjectRow.name == label, ReleaseRow.name == name)
    )
    if row is None:
        raise NotFoundError(
            f"no release {name} of {label}", hint=f"create it with: assay release create {name}"
        )
    return row


def _evidence(members: dict[str, bytes], rows: list[EvidenceRow], locker: Any) -> tuple[int, int]:
    index, purged = [], 0
    for row in sorted(rows, key=lambda r: (r.kind, r.id)):
        entry: dict[str, Any] = {
            "id": row.id,
            "kind": row.kind,
            "sha256": row.sha256,
            "media_type": row.media_type,
            "size": row.size,
            "collected_at": row.collected_at.isoformat(),
            "summary": row.summary or {},
            "seal": row.seal,
        }
        stone = row.tombstone
        if stone is not None:
            name = f"evidence/{row.kind}/{row.id}.tombstone.json"
            members[name] = _json(json.loads(stone.envelope))
            entry |= {"tombstone": name, "policy": stone.policy}
            purged += 1
        else:
            ext = ".json" if "json" in row.media_type else ".bin"
            name = f"evidence/{row.kind}/{row.id}{ext}"
            members[name] = locker.get(row.sha256)
            entry["member"] = name
        index.append(entry)
    members["evidence/index.json"] = _json(index)
    return len(index), purged


def _signoffs(row: ReleaseRow) -> list[dict[str, Any]]:
    return [
        {
            "role": s.role,
            "signer": s.signer,
            "decision": s.decision,
            "condition": s.condition,
            "due": s.due.isoformat() if s.due else None,
            "evidence_digest": s.evidence_digest,
            "signed_at": s.signed_at.isoformat(),
            "expires_at": s.expires_at.isoformat(),
        }
        for s in sorted(row.signoffs, key=lambda s: (s.signed_at, s.id))
    ]


def _certificates(
    members: dict[str, bytes], session: Session, row: ReleaseRow
) -> list[CertificateRow]:
    found = [
        cert
        for cert in session.scalars(
            select(CertificateRow)
            .where(CertificateRow.release_id == row.id)
            .order_by(CertificateRow.issued_at, CertificateRow.id)
        )
        # Only certificates of the release's evidence now: one issued before the release
        # was rebound to a newer run certifies evidence this package does not hold.
        if _certified_digest(cert) == row.evidence_digest
    ]
    index = []
    for cert in found:
        name = f"certificates/{cert.id}.dsse.json"
        members[name] = _json(json.loads(cert.envelope))
        index.append(
            {
                "id": cert.id,
                "member": name,
                "statement_sha256": cert.statement_sha256,
                "issued_at": cert.issued_at.isoformat(),
                "valid_until": cert.valid_until.isoformat(),
                "revoked_at": cert.revoked_at.isoformat() if cert.revoked_at else None,
                "revoke_reason": cert.revoke_reason,
                "predecessor": cert.predecessor_id,
            }
        )
    members["certificates/index.json"] = _json(index)
    return found


def _certified_digest(cert: CertificateRow) -> str | None:
    import base64

    payload = json.loads(base64.b64decode(json.loads(cert.envelope)["payload"]))
    digest = ((payload.get("predicate") or {}).get("release") or {}).get("evidence_digest")
    return str(digest) if digest else None


def _audit(
    members: dict[str, bytes],
    session: Session,
    row: ReleaseRow,
    certificates: list[CertificateRow],
) -> tuple[list[AuditEntryRow], AuditCheckpointRow]:
    """The release's audit entries, with inclusion proofs in the first signed checkpoint
    that holds them all (not the newest: later, unrelated entries leave the package as it
    is)."""
    subjects = {
        row.run_id,
        f"{row.project.name}@{row.name}",
        *(c.id for c in certificates),
        *(e.id for e in row.run.evidence),
    }
    stored = {
        (e.sha256, payload_digest(stored_payload(e.id, e.run_id, e.kind, e.sha256, e.seal or "")))
        for e in row.run.evidence
    }
    entries = [
        e
        for e in session.scalars(select(AuditEntryRow).order_by(AuditEntryRow.seq))
        if e.subject in subjects or (e.subject, e.payload_sha256) in stored
    ]
    last = entries[-1].seq if entries else -1
    checkpoint = session.scalar(
        select(AuditCheckpointRow)
        .where(AuditCheckpointRow.size > last)
        .order_by(AuditCheckpointRow.size)
        .limit(1)
    )
    if checkpoint is None:
        raise NotFoundError("the audit log has no signed checkpoint", hint="run assay audit verify")
    leaves = [bytes.fromhex(h) for h in audit_rows.leaf_hashes(session, checkpoint.size)]
    body = []
    for entry in entries:
        data = leaf_of(entry)
        body.append(
            {
                "seq": entry.seq,
                "leaf_data": data.decode(),
                "leaf_hash": leaf_hash(data).hex(),
                "proof": [p.hex() for p in inclusion_proof(entry.seq, leaves)],
            }
        )
    members["audit/entries.json"] = _json(
        {"tree_size": checkpoint.size, "root_hash": checkpoint.root_hash, "entries": body}
    )
    members["audit/checkpoint.txt"] = checkpoint.note.encode()
    return entries, checkpoint
