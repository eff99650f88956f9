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

import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Table, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from assay.core.evidence import evidence_seal, stored_payload
from assay.core.merkle import Frontier, inclusion_proof, leaf_hash
from assay.errors import AssayError, NotFoundError, StoreError, UsageError
from assay.settings import Settings
from assay.signing.note import (
    MalformedCheckpoint,
    checkpoint_text,
    parse_checkpoint,
    sign_note,
    verifier_key,
    verify_note,
)
from assay.store.database import Store
from assay.store.locker import EvidenceLocker
from assay.store.models import (
    AuditCheckpointRow,
    AuditEntryRow,
    AuditHeadRow,
    EvidenceRow,
    RunRow,
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

ORIGIN = "assay.local/audit"
KEY_NAME = "assay-audit"


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


def verify_log(
    settings: Settings, actor: str = "local", checkpoint: Path | None = None
) -> VerifyReport:
    """Recompute every leaf and every checkpointed tree head; name the first bad entry.
    Then check the store's runs and evidence against their audit entries and, given a
    ``checkpoint`` file written by :func:`export_checkpoint`, that the log contains it."""
    _may_read(settings, actor)
    log = audit_log(settings)
    wanted = _read_checkpoint(checkpoint, log.public_key()) if checkpoint else None
    store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    try:
        with store.snapshot() as session:
            check = _Verification(session, log.public_key(), wanted)
            check.run()
            _StoreCheck(session, store.locker, check).run()
    finally:
        store.close()
    key = verifier_key(KEY_NAME, log.public_key())
    root = check.frontier.root().hex()
    size, problems = check.frontier.size, tuple(check.problems)
    return VerifyReport(size, len(check.checkpoints), root, problems, check.first_bad, key)


class _Wanted(NamedTuple):
    """A checkpoint exported earlier: the log must still hold its first ``size`` entries."""

    source: str
    size: int
    root: bytes


class _Verification:
    def __init__(
        self, session: Session, public: Ed25519PublicKey, wanted: _Wanted | None = None
    ) -> None:
        self.session = session
        self.public = public
        self.wanted = wanted
        self.problems: list[str] = []
        self.first_bad: int | None = None
        self.frontier = Frontier()
        ordered = select(AuditCheckpointRow).order_by(AuditCheckpointRow.size)
        self.checkpoints = {row.size: row for row in session.scalars(ordered)}

    def bad(self, seq: int | None, message: str) -> None:
        if self.first_bad is None and seq is not None:
            self.first_bad = seq
        self.problems.append(message)

    def run(self) -> None:
        if self.entries() and self.coverage():
            self.head()
        self.rolled_back()

    def rolled_back(self) -> None:
        """The exported checkpoint's tree is a prefix of this log (RFC 6962: the root over
        the first ``size`` leaves is the one it signed); a shorter or different log means
        the store was rolled back or rewritten after it was exported."""
        wanted = self.wanted
        if wanted is None or not self.walked:
            return  # a log that breaks before its end is reported as damaged already
        size = self.frontier.size
        if size < wanted.size:
            self.bad(
                size,
                f"the store was rolled back: its log has {size} entries, but the checkpoint "
                f"in {wanted.source} covers {wanted.size}",
            )
        elif self.prefix_root is not None and self.prefix_root != wanted.root:
            self.bad(
                None,
                f"the log does not contain the checkpoint in {wanted.source}: its first "
                f"{wanted.size} entries differ (rolled back and rewritten?)",
            )

    def entries(self) -> bool:
        """Every leaf, in order, and every checkpoint on the way."""
        good = 0
        self.walked = False
        self.prefix_root: bytes | None = None
        if self.wanted is not None and self.wanted.size == 0:
            self.prefix_root = self.frontier.root()
        for row in _entries(self.session):
            expected = self.frontier.size
            if row.seq != expected:
                self.bad(expected, f"entry {expected} is missing (deleted?); next is {row.seq}")
                return False
            leaf = leaf_hash(_leaf_of(row))
            if leaf.hex() != row.leaf_hash:
                self.bad(row.seq, f"entry {row.seq} does not match its leaf hash (edited?)")
                return False
            self.frontier.append(leaf)
            if self.wanted is not None and self.frontier.size == self.wanted.size:
                self.prefix_root = self.frontier.root()
            checkpoint = self.checkpoints.get(self.frontier.size)
            if checkpoint is None:
                continue
            if checkpoint.root_hash != self.frontier.root().hex():
                last = self.frontier.size - 1
                self.bad(good, f"entries {good} to {last} differ from the checkpoint at {last + 1}")
                return False
            good = self.frontier.size
        self.walked = True
        return True

    def coverage(self) -> bool:
        """The newest checkpoint covers exactly the log, and its signature verifies."""
        size = self.frontier.size
        if not self.checkpoints:
            if size:
                self.bad(0, "the log has entries but no signed checkpoint")
            return not size
        newest = max(self.checkpoints)
        if newest > size:
            self.bad(size, f"the checkpoint at size {newest} covers entries missing from {size}")
            return False
        if size > newest:
            self.bad(newest, f"entries {newest} to {size - 1} are in no checkpoint (inserted?)")
            return False
        text = verify_note(self.checkpoints[newest].note, KEY_NAME, self.public)
        if text is None:
            self.bad(None, f"the checkpoint at size {size} is not signed by the audit key")
            return False
        try:
            signed = parse_checkpoint(text)
        except MalformedCheckpoint as exc:
            self.bad(None, f"the signed checkpoint at size {size} is malformed: {exc}")
            return False
        if signed != (ORIGIN, size, self.frontier.root()):
            self.bad(None, f"the signed checkpoint at size {size} differs from its row")
            return False
        return True

    def head(self) -> None:
        head = self.session.get(AuditHeadRow, 1)
        size = self.frontier.size
        if head is not None and head.size != size:
            self.bad(min(head.size, size), f"the head says {head.size} entries; the log has {size}")


class _StoreCheck:
    """Runs and evidence against the entries that recorded them.

    Every evidence row must still match its seal (kind, summary, blob digest), its blob
    its SHA-256, and be vouched for by one ``evidence.stored`` entry whose payload is
    recomputed from the row (entries written before seals held the summary itself); every
    run must have its ``run.certified`` entry. Entries left over name deleted rows.
    """

    def __init__(self, session: Session, locker: EvidenceLocker, log: _Verification) -> None:
        self.session = session
        self.locker = locker
        self.log = log

    def run(self) -> None:
        entries: dict[str, dict[tuple[str, str], list[int]]] = {}
        table = AuditEntryRow
        query = (
            select(table.seq, table.action, table.subject, table.payload_sha256)
            .where(table.action.in_(("evidence.stored", "run.certified")))
            .order_by(table.seq)
        )
        for seq, action, subject, digest in self.session.execute(query):
            entries.setdefault(action, {}).setdefault((subject, digest), []).append(seq)
        self.evidence(entries.get("evidence.stored", {}))
        self.runs(entries.get("run.certified", {}))

    def evidence(self, entries: dict[tuple[str, str], list[int]]) -> None:
        unmatched: list[EvidenceRow] = []
        blobs: dict[str, str | None] = {}
        rows = self.session.scalars(
            select(EvidenceRow).order_by(EvidenceRow.collected_at, EvidenceRow.id)
        )
        for row in rows:
            name = f"evidence {row.id} ({row.kind}, run {row.run_id})"
            summary = row.summary or {}
            if row.seal is not None and evidence_seal(row.kind, row.sha256, summary) != row.seal:
                self.log.bad(None, f"{name}: its summary was edited after it was stored")
            if row.sha256 not in blobs:
                blobs[row.sha256] = self.blob(row.sha256)
            if blobs[row.sha256]:
                self.log.bad(None, f"{name}: {blobs[row.sha256]}")
            payload = stored_payload(row.id, row.run_id, row.kind, row.sha256, row.seal or "")
            for digest in (payload_digest(payload), payload_digest(summary)):
                seqs = entries.get((row.sha256, digest))
                if seqs:
                    seqs.pop(0)
                    break
            else:
                unmatched.append(row)
        left = sorted((seq, sha) for (sha, _), seqs in entries.items() for seq in seqs)
        for seq, sha256 in left:
            edited = next((r for r in unmatched if r.sha256 == sha256), None)
            if edited is not None:
                unmatched.remove(edited)
                self.log.bad(
                    None,
                    f"evidence {edited.id} ({edited.kind}, run {edited.run_id}) differs from "
                    f"audit entry {seq} that recorded it (edited?)",
                )
            else:
                self.log.bad(
                    None,
                    f"evidence sha256:{sha256[:12]} recorded by audit entry {seq} is missing "
                    "from the store (deleted?)",
                )
        for row in unmatched:
            self.log.bad(
                None,
                f"evidence {row.id} ({row.kind}, run {row.run_id}) has no audit entry "
                "(inserted or edited?)",
            )

    def blob(self, sha256: str) -> str | None:
        try:
            self.locker.get(sha256)
        except AssayError as exc:
            return exc.message
        return None

    def runs(self, entries: dict[tuple[str, str], list[int]]) -> None:
        recorded = {subject: seqs[0] for (subject, _), seqs in entries.items()}
        present = set(self.session.scalars(select(RunRow.id)))
        for run_id, seq in sorted(recorded.items(), key=lambda item: item[1]):
            if run_id not in present:
                self.log.bad(
                    None,
                    f"run {run_id} recorded by audit entry {seq} is missing from the store "
                    "(deleted?)",
                )
        for run_id in sorted(present - set(recorded)):
            self.log.bad(None, f"run {run_id} has no audit entry (inserted?)")


def _read_checkpoint(path: Path, public: Ed25519PublicKey) -> _Wanted:
    """A checkpoint file written by :func:`export_checkpoint`, its signature checked."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        note = document["checkpoint"]
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise UsageError(
            f"{path} is not an audit checkpoint",
            hint="write one with: assay audit checkpoint -o FILE",
        ) from exc
    text = verify_note(note, KEY_NAME, public) if isinstance(note, str) else None
    if text is None:
        raise UsageError(
            f"the checkpoint in {path} is not signed by this store's audit key",
            hint="verify it against the store it was exported from",
        )
    try:
        origin, size, root = parse_checkpoint(text)
    except MalformedCheckpoint as exc:
        raise UsageError(
            f"the checkpoint in {path} is signed by this store's audit key but malformed: {exc}",
            hint="export it again with: assay audit checkpoint -o FILE",
        ) from exc
    if origin != ORIGIN:
        raise UsageError(f"the checkpoint in {path} is of another log ({origin})")
    return _Wanted(str(path), size, root)


def _newest_checkpoint(session: Session) -> AuditCheckpointRow:
    newest = session.scalars(
        select(AuditCheckpointRow).order_by(AuditCheckpointRow.size.desc()).limit(1)
    ).first()
    if newest is None:
        raise NotFoundError("the audit log is empty", hint="nothing has been recorded yet")
    return newest


def export_checkpoint(settings: Settings, actor: str = "local") -> dict[str, Any]:
    """The newest signed checkpoint, to keep outside the store: ``verify_log`` given it
    later finds a store rolled back to before it."""
    _may_read(settings, actor)
    store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    try:
        with store.snapshot() as session:
            newest = _newest_checkpoint(session)
            size, root, note = newest.size, newest.root_hash, newest.note
            at = newest.created_at
    finally:
        store.close()
    return {
        "origin": ORIGIN,
        "size": size,
        "root_hash": root,
        "created_at": at.isoformat(),
        "checkpoint": note,
        "verifier_key": verifier_key(KEY_NAME, audit_log(settings).public_key()),
    }


def _leaf_of(row: AuditEntryRow | _Entry) -> bytes:
    return leaf_data(row.seq, row.at, row.actor, row.action, row.subject, row.payload_sha256)


class _Entry(NamedTuple):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload_sha256: str
    leaf_hash: str


def _may_read(settings: Settings, actor: str) -> None:
    from assay.core.access import Operation, Target
    from assay.services.access import authorize  # access records refusals in this log

    authorize(settings, actor, Operation.READ_AUDIT, Target(), datetime.now(UTC))


def _entries(session: Session) -> Iterator[_Entry]:
    """Every entry in order, as plain tuples (verifying 100,000 entries must stay fast)."""
    table = AuditEntryRow
    columns = (table.seq, table.at, table.actor, table.action, table.subject)
    query = select(*columns, table.payload_sha256, table.leaf_hash).order_by(table.seq)
    for row in session.execute(query.execution_options(yield_per=10000)):
        yield _Entry(*row)


def proof(settings: Settings, seq: int, actor: str = "local") -> dict[str, Any]:
    """An inclusion proof of entry ``seq`` in the newest signed checkpoint."""
    _may_read(settings, actor)
    store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    try:
        with store.snapshot() as session:
            checkpoint = _newest_checkpoint(session)
            leaves = [
                bytes.fromhex(h)
                for h in session.scalars(
                    select(AuditEntryRow.leaf_hash)
                    .where(AuditEntryRow.seq < checkpoint.size)
                    .order_by(AuditEntryRow.seq)
                )
            ]
            entry = session.get(AuditEntryRow, seq)
            if entry is None or seq >= checkpoint.size:
                raise NotFoundError(
                    f"no audit entry {seq} in the signed log (size {checkpoint.size})",
                    hint="list entries with: assay audit export",
                )
            data = _leaf_of(entry)
            return {
                "seq": seq,
                "tree_size": checkpoint.size,
                "leaf_data": data.decode(),
                "leaf_hash": leaf_hash(data).hex(),
                "proof": [p.hex() for p in inclusion_proof(seq, leaves)],
                "root_hash": checkpoint.root_hash,
                "checkpoint": checkpoint.note,
                "verifier_key": verifier_key(KEY_NAME, audit_log(settings).public_key()),
            }
    finally:
        store.close()


def audit_entries(
    settings: Settings,
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
    _may_read(settings, actor)
    table = AuditEntryRow
    query = select(table).order_by(table.seq).limit(limit + 1)
    if after is not None:
        query = query.where(table.seq > after)
    if action:
        query = query.where(table.action.startswith(action, autoescape=True))
    if who:
        query = query.where(table.actor == who)
    if subject:
        query = query.where(table.subject == subject)
    store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    try:
        with store.transaction() as session:
            rows = list(session.scalars(query))
    finally:
        store.close()
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


def audit_checkpoints(settings: Settings, actor: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest signed checkpoints (C2SP signed notes), newest first."""
    _may_read(settings, actor)
    store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    try:
        with store.transaction() as session:
            rows = session.scalars(
                select(AuditCheckpointRow).order_by(AuditCheckpointRow.size.desc()).limit(limit)
            ).all()
            return [{"size": r.size, "root_hash": r.root_hash, "note": r.note} for r in rows]
    finally:
        store.close()


def export_jsonl(settings: Settings, actor: str = "local") -> Iterator[str]:
    """Every entry as a JSON line, then the newest checkpoint."""
    _may_read(settings, actor)
    store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    try:
        with store.snapshot() as session:
            for row in _entries(session):
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
            newest = session.scalars(
                select(AuditCheckpointRow).order_by(AuditCheckpointRow.size.desc()).limit(1)
            ).first()
            if newest is not None:
                yield json.dumps({"checkpoint": newest.note}, sort_keys=True)
    finally:
        store.close()
