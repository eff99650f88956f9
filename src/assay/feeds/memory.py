"""An OSV source over records held in memory, matched with Assay's own version matcher."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from assay.core.inventory import canonical_name
from assay.core.osv import MalformedRecord, Vulnerability, parse_record
from assay.core.vulnmatch import affects

__all__ = ["MemoryOsvSource"]


@dataclass(frozen=True)
class _Entry:
    record: Vulnerability
    text: str
    """The raw record as JSON: decoding it gives every caller its own copy, cheaply."""

    def raw(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.text)
        return data


class MemoryOsvSource:
    """Raw OSV records indexed by package and by id and alias.

    Malformed records are left out and listed in :attr:`rejected`. Answers are copies, so
    a caller that edits one does not change the data.
    """

    def __init__(self, records: Iterable[Mapping[str, Any]], snapshot: str | None = None) -> None:
        self.rejected: tuple[tuple[str, str], ...]
        """(record id, or its position when it has none; reason) for each record left out."""
        self._by_package: dict[str, list[_Entry]] = {}
        self._by_id: dict[str, _Entry] = {}
        self._by_alias: dict[str, _Entry] = {}
        rejected: list[tuple[str, str]] = []
        latest: dict[str, _Entry] = {}
        for position, raw in enumerate(records):
            try:
                record = parse_record(raw)
                text = json.dumps(dict(raw))
            except MalformedRecord as exc:
                rejected.append((_name(raw, position), str(exc)))
                continue
            except (TypeError, ValueError) as exc:
                rejected.append((_name(raw, position), f"not JSON data: {exc}"))
                continue
            known = latest.get(record.id)
            # One id twice (two exports merged): the newer version of the record wins.
            if known is None or record.modified > known.record.modified:
                latest[record.id] = _Entry(record, text)
        # Sorted so that answers, and the record an alias shared by several resolves to,
        # do not depend on the order the records came in.
        entries = sorted(latest.values(), key=lambda e: e.record.id)
        for entry in entries:
            self._by_id[entry.record.id] = entry
            for alias in entry.record.aliases:
                self._by_alias.setdefault(alias, entry)
            for name in dict.fromkeys(a.name for a in entry.record.affected):
                self._by_package.setdefault(name, []).append(entry)
        self.rejected = tuple(rejected)
        self._snapshot = snapshot if snapshot is not None else _digest(entries)

    def __len__(self) -> int:
        return len(self._by_id)

    def query(self, package: str, version: str | None) -> list[dict[str, Any]]:
        name = canonical_name(package)
        return [
            entry.raw()
            for entry in self._by_package.get(name, ())
            if not entry.record.withdrawn
            and (
                version is None
                or any(a.name == name and affects(a, version) for a in entry.record.affected)
            )
        ]

    def get(self, vuln_id: str) -> dict[str, Any] | None:
        entry = self._by_id.get(vuln_id) or self._by_alias.get(vuln_id)
        return entry.raw() if entry else None

    def snapshot(self) -> str | None:
        """The digest given, else a SHA-256 of every record's id and modified time."""
        return self._snapshot


def _name(raw: object, position: int) -> str:
    ident = raw.get("id") if isinstance(raw, Mapping) else None
    return str(ident or f"#{position}")


def _digest(entries: Iterable[_Entry]) -> str:
    digest = hashlib.sha256()
    for entry in entries:
        digest.update(f"{entry.record.id}@{entry.record.modified}\n".encode())
    return digest.hexdigest()
