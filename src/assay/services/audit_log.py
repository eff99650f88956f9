"""The audit log's writer: every state change appends entries in the same transaction as
the change.

Entries are leaves of an RFC 6962 Merkle tree; each appending transaction ends with a
checkpoint (tree size and root) signed as a C2SP signed note with the store's audit key.
Reading and verifying the log is ``services.audit``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from assay.core.merkle import Frontier, leaf_hash
from assay.errors import StoreError
from assay.settings import Settings
from assay.signing.note import (
    AUDIT_KEY_NAME,
    checkpoint_text,
    sign_note,
)
from assay.store.models import (
    AuditEntryRow,
)

__all__ = [
    "KEY_NAME",
    "ORIGIN",
    "AuditEvent",
    "AuditLog",
    "audit_log",
    "leaf_data",
    "payload_digest",
]

ORIGIN = "assay.local/audit"
KEY_NAME = AUDIT_KEY_NAME


@dataclass(frozen=True)
class AuditEvent:
    actor: str
    action: str
    """``run.certified``, ``evidence.stored``, ``signoff.recorded``, ``certificate.issued``..."""
    subject: str
    payload: Any
    """Anything JSON can hold; only its SHA-256 is in the log."""


def payload_digest(payload: Any) -> str:
    """The SHA-256 of an entry's payload, as the log records it."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def leaf_data(seq: int, at: datetime, actor: str, action: str, subject: str, digest: str) -> bytes:
    """The bytes a leaf hashes: the entry in canonical JSON."""
    body = {
        "seq": seq,
        "at": at.isoformat(),
        "actor": actor,
        "action": action,
        "subject": subject,
        "payload_sha256": digest,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


class AuditLog:
    """Appends to the log of one store, signing checkpoints with the store's audit key."""

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        self._key: Ed25519PrivateKey | None = None

    def key(self) -> Ed25519PrivateKey:
        """The audit key (created on first use, mode 0600, beside the database)."""
        if self._key is None:
            if not self.key_file.exists():
                self._create_key()
            data = self.key_file.read_bytes()
            key = serialization.load_pem_private_key(data, None)
            if not isinstance(key, Ed25519PrivateKey):
                raise StoreError(f"{self.key_file} is not an Ed25519 key")
            self._key = key
        return self._key

    def public_key(self) -> Ed25519PublicKey:
        return self.key().public_key()

    def lock(self, session: Session) -> None:
        """Take the log's append lock for the rest of the caller's transaction (the head
        row, FOR UPDATE on PostgreSQL; SQLite's write lock comes with an exclusive
        transaction): every writer that records takes it, so a reader-then-writer that
        holds it sees their committed work and they wait for its commit."""
        connection = session.connection()
        connection.exec_driver_sql(_sql_for(connection.dialect).select_head).one()

    def record(self, session: Session, events: Sequence[AuditEvent], now: datetime) -> list[int]:
        """Append ``events`` and a signed checkpoint inside the caller's transaction; the
        head row is locked, so concurrent appenders take turns."""
        if not events:
            return []
        connection = session.connection()
        sql = _sql_for(connection.dialect)
        size, stored = connection.exec_driver_sql(sql.select_head).one()
        frontier = Frontier(size, [bytes.fromhex(h) for h in stored.split(",") if h])
        at = sql.time(now)
        rows, sequence = [], []
        for event in events:
            seq = frontier.size
            digest = payload_digest(event.payload)
            actor, action, subject = event.actor[:200], event.action[:80], event.subject[:300]
            leaf = leaf_hash(leaf_data(seq, now, actor, action, subject, digest))
            frontier.append(leaf)
            rows.append((seq, at, actor, action, subject, digest, leaf.hex()))
            sequence.append(seq)
        root = frontier.root()
        note = sign_note(checkpoint_text(ORIGIN, frontier.size, root), KEY_NAME, self.key())
        checkpoint = (frontier.size, root.hex(), note, at)
        head = (frontier.size, ",".join(n.hex() for n in frontier.nodes))
        if sql.append is not None:  # one statement, one round trip
            values = [v for r in rows for v in r]
            connection.exec_driver_sql(sql.append(len(rows)), (*values, *checkpoint, *head))
        else:
            connection.exec_driver_sql(sql.insert_entry, rows if len(rows) > 1 else rows[0])
            connection.exec_driver_sql(sql.insert_checkpoint, checkpoint)
            connection.exec_driver_sql(sql.update_head, head)
        return sequence

    def _create_key(self) -> None:
        self.key_file.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            descriptor = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return  # another process made it first
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())


@dataclass(frozen=True)
class _Statements:
    """The append's SQL for one database, sent to the driver as it is: this runs in every
    state change, and compiling Core statements each time would double its cost."""

    select_head: str
    insert_entry: str
    insert_checkpoint: str
    update_head: str
    time: Callable[[datetime], Any]
    append: Callable[[int], str] | None
    """The three writes as one statement for so many entries (PostgreSQL's data-modifying
    WITH; SQLite has none)."""


@functools.cache
def _sql_for(dialect: Dialect) -> _Statements:
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    lock = "" if dialect.name == "sqlite" else " FOR UPDATE"
    bind = cast(Table, AuditEntryRow.__table__).c.at.type.bind_processor(dialect)
    entry = f"({', '.join([mark] * 7)})"
    insert_entry = (
        "INSERT INTO audit_entries (seq, at, actor, action, subject, payload_sha256, leaf_hash)"
        " VALUES "
    )
    insert_checkpoint = (
        "INSERT INTO audit_checkpoints (size, root_hash, note, created_at) "
        f"VALUES ({', '.join([mark] * 4)})"
    )
    update_head = f"UPDATE audit_head SET size = {mark}, frontier = {mark} WHERE id = 1"

    @functools.cache
    def append(entries: int) -> str:
        values = ", ".join([entry] * entries)
        return (
            f"WITH entries AS ({insert_entry}{values}), checkpoint AS ({insert_checkpoint}) "
            f"{update_head}"
        )

    return _Statements(
        select_head=f"SELECT size, frontier FROM audit_head WHERE id = 1{lock}",
        insert_entry=insert_entry + entry,
        insert_checkpoint=insert_checkpoint,
        update_head=update_head,
        time=bind or (lambda moment: moment),
        append=append if dialect.name == "postgresql" else None,
    )


def audit_log(settings: Settings) -> AuditLog:
    return _audit_log(settings.state_dir / "audit.key")


@functools.lru_cache(maxsize=16)
def _audit_log(key_file: Path) -> AuditLog:
    """One log object per key file and process, so the key is read from disk once."""
    return AuditLog(key_file)
