"""The vulnerability database use cases: import an OSV export, report its state, read it."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert

from assay.collectors.osv_export import read_export
from assay.core.access import Operation, Target
from assay.core.inventory import canonical_name
from assay.core.osv import MalformedRecord, Vulnerability, normalise_times, parse_record
from assay.core.vulnmatch import affects
from assay.services.access import authorize
from assay.services.audit_log import AuditEvent, audit_log
from assay.services.context import Context
from assay.store import repositories as repo
from assay.store import vulndb as osv_rows
from assay.store.database import Store
from assay.store.models import OsvIdRow, OsvPackageRow, OsvRecordRow, OsvSnapshotRow

__all__ = [
    "ImportReport",
    "SnapshotInfo",
    "StoreOsvSource",
    "import_export",
    "parse_export",
    "records_for",
    "snapshot_info",
]

_CHUNK = 500


@dataclass(frozen=True)
class SnapshotInfo:
    """The vulnerability data in force."""

    digest: str
    source: str
    imported_at: datetime
    record_count: int
    rejected_count: int
    newest_modified: str | None


@dataclass(frozen=True)
class ImportReport:
    snapshot: SnapshotInfo
    rejected: tuple[tuple[str, str], ...]
    """(record id or file name, reason) for every record left out."""
    seconds: float


def import_export(
    ctx: Context, path: Path, *, now: datetime | None = None, actor: str = "unknown"
) -> ImportReport:
    """Replace the vulnerability data with the records of an OSV export.

    Malformed records are left out and reported by id; the rest are imported in one
    transaction, so a failure leaves the previous data in force.
    """
    authorize(ctx, actor, Operation.IMPORT_VULNERABILITIES, Target(), now or datetime.now(UTC))
    began = time.perf_counter()
    accepted, rejected = parse_export(path)
    digest = hashlib.sha256("\n".join(t for t, _ in sorted(accepted.values())).encode()).hexdigest()
    newest = max((r.modified for _, r in accepted.values()), default=None)
    info = SnapshotInfo(
        digest=digest,
        source=str(path),
        imported_at=now or datetime.now(UTC),
        record_count=len(accepted),
        rejected_count=len(rejected),
        newest_modified=newest,
    )
    store = ctx.store()
    with store.transaction() as session:
        for table in (OsvIdRow, OsvPackageRow, OsvRecordRow):
            session.execute(delete(table))
        records = [
            {"id": r.id, "modified": r.modified, "withdrawn": bool(r.withdrawn), "data": t}
            for t, r in accepted.values()
        ]
        packages = {
            (a.name, r.id): "\n".join(sorted(a.canonical_versions))
            for _, r in accepted.values()
            for a in r.affected
        }
        idents = {(i, r.id) for _, r in accepted.values() for i in r.ids}
        _bulk(session, OsvRecordRow, records)
        _bulk(
            session,
            OsvPackageRow,
            [
                {"package": p, "record_id": i, "canonical_versions": c}
                for (p, i), c in packages.items()
            ],
        )
        _bulk(session, OsvIdRow, [{"ident": a, "record_id": i} for a, i in idents])
        session.add(
            OsvSnapshotRow(
                id=repo.new_id(),
                digest=info.digest,
                source=info.source,
                imported_at=info.imported_at,
                record_count=info.record_count,
                rejected_count=info.rejected_count,
                newest_modified=info.newest_modified,
            )
        )
        payload = {"digest": info.digest, "records": info.record_count}
        event = AuditEvent(actor, "vulndb.imported", info.source, payload)
        audit_log(ctx.settings).record(session, [event], info.imported_at)
    return ImportReport(info, tuple(sorted(rejected)), time.perf_counter() - began)


def parse_export(
    path: Path,
) -> tuple[dict[str, tuple[str, Vulnerability]], list[tuple[str, str]]]:
    """The records of an export, parsed: by id, the newest of each as canonical JSON with
    the parsed record; and (id or file name, reason) for each record left out."""
    accepted: dict[str, tuple[str, Vulnerability]] = {}
    rejected: list[tuple[str, str]] = []
    for raw in read_export(path):
        if raw.error is not None:
            rejected.append((raw.name, raw.error))
            continue
        if not isinstance(raw.data, dict):
            rejected.append((raw.name, "record is not a JSON object"))
            continue
        data = normalise_times(raw.data)
        try:
            record = parse_record(data)
        except MalformedRecord as exc:
            ident = data.get("id")
            rejected.append((str(ident or raw.name), str(exc).removeprefix(f"{ident}: ")))
            continue
        try:
            text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except TypeError as exc:  # YAML can hold values JSON cannot (dates in odd places)
            rejected.append((record.id, f"not representable as JSON: {exc}"))
            continue
        previous = accepted.get(record.id)
        if previous is None or previous[1].modified <= record.modified:
            accepted[record.id] = (text, record)
    return accepted, rejected


def snapshot_info(store: Store) -> SnapshotInfo | None:
    """The snapshot in force, or None before the first import."""
    with store.transaction() as session:
        row = osv_rows.newest_snapshot(session)
        if row is None:
            return None
        return SnapshotInfo(
            row.digest,
            row.source,
            row.imported_at,
            row.record_count,
            row.rejected_count,
            row.newest_modified,
        )


def records_for(store: Store, packages: Iterable[str]) -> dict[str, list[Vulnerability]]:
    """Parsed records per canonical package name, for the packages asked about.

    The canonical versions computed at import come along, so matching never re-derives
    them from the (long) versions lists.
    """
    names = sorted({canonical_name(p) for p in packages})
    found: dict[str, tuple[str, dict[str, frozenset[str]]]] = {}
    wanted: dict[str, list[str]] = {}
    with store.transaction() as session:
        for start in range(0, len(names), _CHUNK):
            chunk = names[start : start + _CHUNK]
            rows = osv_rows.records_of_packages(session, chunk)
            for package, canonical, record_id, data in rows:
                entry = found.setdefault(record_id, (data, {}))
                entry[1][package] = frozenset(canonical.split("\n")) if canonical else frozenset()
                wanted.setdefault(package, []).append(record_id)
    parsed = {
        record_id: parse_record(json.loads(data), canonical)
        for record_id, (data, canonical) in found.items()
    }
    return {package: [parsed[i] for i in ids] for package, ids in wanted.items()}


class StoreOsvSource:
    """The imported data as an OSV source (for the OSV-compatible API)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def query(self, package: str, version: str | None) -> list[dict[str, Any]]:
        name = canonical_name(package)
        with self.store.transaction() as session:
            rows = osv_rows.records_of_package(session, name)
        found = []
        for data in rows:
            raw = json.loads(data)
            record = parse_record(raw)
            if version is None or any(
                a.name == name and affects(a, version) for a in record.affected
            ):
                found.append(raw)
        return found

    def get(self, vuln_id: str) -> dict[str, Any] | None:
        with self.store.transaction() as session:
            data = osv_rows.record_by_id(session, vuln_id)
        return json.loads(data) if data else None

    def snapshot(self) -> str | None:
        info = snapshot_info(self.store)
        return info.digest if info else None


def _bulk(session: Any, table: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        batch = rows[start : start + 5000]
        if batch:
            session.execute(insert(table), batch)
