"""Verifying the audit log: every leaf and checkpoint recomputed, the store's runs and
evidence checked against their entries, and a checkpoint kept outside found in the log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.core.evidence import evidence_seal, stored_payload
from assay.core.merkle import Frontier, leaf_hash
from assay.errors import AssayError, UsageError
from assay.services.audit_log import KEY_NAME, ORIGIN, leaf_data, payload_digest
from assay.signing.note import (
    MalformedCheckpoint,
    parse_checkpoint,
    verify_note,
)
from assay.store.locker import EvidenceLocker
from assay.store.models import (
    AuditCheckpointRow,
    AuditEntryRow,
    AuditHeadRow,
    EvidenceRow,
    RunRow,
    TombstoneRow,
)

__all__ = ["Entry", "StoreCheck", "Verification", "all_entries", "leaf_of", "read_checkpoint"]


class Wanted(NamedTuple):
    """A checkpoint exported earlier: the log must still hold its first ``size`` entries."""

    source: str
    size: int
    root: bytes


class Verification:
    def __init__(
        self, session: Session, public: Ed25519PublicKey, wanted: Wanted | None = None
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
        for row in all_entries(self.session):
            expected = self.frontier.size
            if row.seq != expected:
                self.bad(expected, f"entry {expected} is missing (deleted?); next is {row.seq}")
                return False
            leaf = leaf_hash(leaf_of(row))
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


class StoreCheck:
    """Runs and evidence against the entries that recorded them.

    Every evidence row must still match its seal (kind, summary, blob digest), its blob
    its SHA-256, and be vouched for by one ``evidence.stored`` entry whose payload is
    recomputed from the row (entries written before seals held the summary itself); every
    run must have its ``run.certified`` entry. Entries left over name deleted rows.
    """

    def __init__(self, session: Session, locker: EvidenceLocker, log: Verification) -> None:
        self.session = session
        self.locker = locker
        self.log = log

    def run(self) -> None:
        entries: dict[str, dict[tuple[str, str], list[int]]] = {}
        table = AuditEntryRow
        query = (
            select(table.seq, table.action, table.subject, table.payload_sha256)
            .where(table.action.in_(("evidence.stored", "run.certified", "evidence.purged")))
            .order_by(table.seq)
        )
        for seq, action, subject, digest in self.session.execute(query):
            entries.setdefault(action, {}).setdefault((subject, digest), []).append(seq)
        purged = {subject for subject, _ in entries.get("evidence.purged", {})}
        self.evidence(entries.get("evidence.stored", {}), purged)
        self.runs(entries.get("run.certified", {}))

    def evidence(self, entries: dict[tuple[str, str], list[int]], purged: set[str]) -> None:
        unmatched: list[EvidenceRow] = []
        blobs: dict[str, str | None] = {}
        stones = {t.evidence_id for t in self.session.scalars(select(TombstoneRow))}
        for ident in sorted(stones - purged):
            self.log.bad(None, f"evidence {ident} has a tombstone but no evidence.purged entry")
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
            if blobs[row.sha256] and not (row.id in stones and row.id in purged):
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


def read_checkpoint(path: Path, public: Ed25519PublicKey) -> Wanted:
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
    return Wanted(str(path), size, root)


def leaf_of(row: AuditEntryRow | Entry) -> bytes:
    return leaf_data(row.seq, row.at, row.actor, row.action, row.subject, row.payload_sha256)


class Entry(NamedTuple):
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    payload_sha256: str
    leaf_hash: str


def all_entries(session: Session) -> Iterator[Entry]:
    """Every entry in order, as plain tuples (verifying 100,000 entries must stay fast)."""
    table = AuditEntryRow
    columns = (table.seq, table.at, table.actor, table.action, table.subject)
    query = select(*columns, table.payload_sha256, table.leaf_hash).order_by(table.seq)
    for row in session.execute(query.execution_options(yield_per=10000)):
        yield Entry(*row)
