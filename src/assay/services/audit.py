"""The audit log: every state change appends entries in the same transaction as the change.

Entries are leaves of an RFC 6962 Merkle tree; each appending transaction ends with a
checkpoint (tree size and root) signed as a C2SP signed note with the store's audit key.
``verify_log`` recomputes every leaf and tree head and names the first entry that does not
match, cross-checks the runs and evidence in the store against their audit entries (an
edited summary, a deleted or inserted row is named) and, given a checkpoint exported
earlier (``export_checkpoint``), checks that the log still contains it, so a store rolled
back to an older copy is found; ``proof`` gives an inclusion proof anyone can check with
the checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from assay.core.access import Operation, Target
from assay.core.merkle import inclusion_proof, leaf_hash
from assay.errors import NotFoundError
from assay.services.access import authorize
from assay.services.audit_log import (
    KEY_NAME,
    ORIGIN,
    AuditEvent,
    AuditLog,
    audit_log,
    payload_digest,
)
from assay.services.audit_verify import (
    StoreCheck,
    Verification,
    all_entries,
    leaf_of,
    read_checkpoint,
)
from assay.services.context import Context
from assay.signing.note import (
    verifier_key,
)
from assay.store import audit as audit_rows
from assay.store.models import (
    AuditCheckpointRow,
    AuditEntryRow,
)

__all__ = [
    "ORIGIN",
    "AuditEvent",
    "AuditLog",
    "VerifyReport",
    "audit_checkpoints",
    "audit_entries",
    "audit_log",
    "export_checkpoint",
    "export_jsonl",
    "payload_digest",
    "proof",
    "verify_log",
]


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    checkpoints: int
    root: str
    problems: tuple[str, ...]
    first_bad: int | None
    verifier_key: str

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_log(ctx: Context, actor: str = "local", checkpoint: Path | None = None) -> VerifyReport:
    """Recompute every leaf and every checkpointed tree head; name the first bad entry.
    Then check the store's runs and evidence against their audit entries and, given a
    ``checkpoint`` file written by :func:`export_checkpoint`, that the log contains it."""
    _may_read(ctx, actor)
    log = audit_log(ctx.settings)
    wanted = read_checkpoint(checkpoint, log.public_key()) if checkpoint else None
    store = ctx.store(create=False)
    with store.snapshot() as session:
        check = Verification(session, log.public_key(), wanted)
        check.run()
        StoreCheck(session, store.locker, check).run()
    key = verifier_key(KEY_NAME, log.public_key())
    root = check.frontier.root().hex()
    size, problems = check.frontier.size, tuple(check.problems)
    return VerifyReport(size, len(check.checkpoints), root, problems, check.first_bad, key)


def _newest_checkpoint(session: Session) -> AuditCheckpointRow:
    newest = next(iter(audit_rows.checkpoints(session, 1)), None)
    if newest is None:
        raise NotFoundError("the audit log is empty", hint="nothing has been recorded yet")
    return newest


def export_checkpoint(ctx: Context, actor: str = "local") -> dict[str, Any]:
    """The newest signed checkpoint, to keep outside the store: ``verify_log`` given it
    later finds a store rolled back to before it."""
    _may_read(ctx, actor)
    store = ctx.store(create=False)
    with store.snapshot() as session:
        newest = _newest_checkpoint(session)
        size, root, note = newest.size, newest.root_hash, newest.note
        at = newest.created_at
    return {
        "origin": ORIGIN,
        "size": size,
        "root_hash": root,
        "created_at": at.isoformat(),
        "checkpoint": note,
        "verifier_key": verifier_key(KEY_NAME, audit_log(ctx.settings).public_key()),
    }


def _may_read(ctx: Context, actor: str) -> None:
    authorize(ctx, actor, Operation.READ_AUDIT, Target(), datetime.now(UTC))


def proof(ctx: Context, seq: int, actor: str = "local") -> dict[str, Any]:
    """An inclusion proof of entry ``seq`` in the newest signed checkpoint."""
    _may_read(ctx, actor)
    store = ctx.store(create=False)
    with store.snapshot() as session:
        checkpoint = _newest_checkpoint(session)
        leaves = [bytes.fromhex(h) for h in audit_rows.leaf_hashes(session, checkpoint.size)]
        entry = session.get(AuditEntryRow, seq)
        if entry is None or seq >= checkpoint.size:
            raise NotFoundError(
                f"no audit entry {seq} in the signed log (size {checkpoint.size})",
                hint="list entries with: assay audit export",
            )
        data = leaf_of(entry)
        return {
            "seq": seq,
            "tree_size": checkpoint.size,
            "leaf_data": data.decode(),
            "leaf_hash": leaf_hash(data).hex(),
            "proof": [p.hex() for p in inclusion_proof(seq, leaves)],
            "root_hash": checkpoint.root_hash,
            "checkpoint": checkpoint.note,
            "verifier_key": verifier_key(KEY_NAME, audit_log(ctx.settings).public_key()),
        }


def audit_entries(
    ctx: Context,
    actor: str,
    *,
    after: int | None = None,
    limit: int = 100,
    action: str | None = None,
    who: str | None = None,
    subject: str | None = None,
) -> tuple[list[dict[str, Any]], int | None]:
    """Entries in order after sequence number ``after``, filtered by action (a prefix such
    as ``handoff.``), actor and subject; and the cursor of the next page, if any."""
    _may_read(ctx, actor)
    store = ctx.store(create=False)
    with store.transaction() as session:
        rows = audit_rows.entries(
            session, after=after, limit=limit + 1, action=action, actor=who, subject=subject
        )
    entries = [
        {
            "seq": r.seq,
            "at": r.at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "subject": r.subject,
            "payload_sha256": r.payload_sha256,
            "leaf_hash": r.leaf_hash,
        }
        for r in rows[:limit]
    ]
    return entries, (rows[limit - 1].seq if len(rows) > limit else None)


def audit_checkpoints(ctx: Context, actor: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest signed checkpoints (C2SP signed notes), newest first."""
    _may_read(ctx, actor)
    store = ctx.store(create=False)
    with store.transaction() as session:
        rows = audit_rows.checkpoints(session, limit)
        return [{"size": r.size, "root_hash": r.root_hash, "note": r.note} for r in rows]


def export_jsonl(ctx: Context, actor: str = "local") -> Iterator[str]:
    """Every entry as a JSON line, then the newest checkpoint."""
    _may_read(ctx, actor)
    store = ctx.store(create=False)
    with store.snapshot() as session:
        for row in all_entries(session):
            yield json.dumps(
                {
                    "seq": row.seq,
                    "at": row.at.isoformat(),
                    "actor": row.actor,
                    "action": row.action,
                    "subject": row.subject,
                    "payload_sha256": row.payload_sha256,
                    "leaf_hash": row.leaf_hash,
                },
                sort_keys=True,
            )
        newest = next(iter(audit_rows.checkpoints(session, 1)), None)
        if newest is not None:
            yield json.dumps({"checkpoint": newest.note}, sort_keys=True)
