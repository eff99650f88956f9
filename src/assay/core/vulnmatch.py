"""Matching versions against OSV records with PyPI's (PEP 440) ordering, and fix advice."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from assay.core.osv import Affected, EventKind, OsvRange, Vulnerability, canonical_version

__all__ = [
    "Match",
    "affects",
    "fix_for",
    "in_range",
    "match_package",
    "merge_aliases",
    "primary_id",
]


def in_range(version: Version, osv_range: OsvRange) -> bool:
    """Whether ``version`` is inside an ECOSYSTEM range (OSV's evaluation).

    Events are walked in version order: an ``introduced`` at or below the version opens
    the range, a ``fixed`` at or below it closes it, a ``last_affected`` below it closes
    it. ``limit`` events, when present, bound the range from above.
    """
    limits = osv_range.limits
    if limits and not any(version < limit for limit in limits):
        return False
    affected = False
    for event in osv_range.events:
        if event.kind is EventKind.INTRODUCED:
            if event.version is None or version >= event.version:
                affected = True
        elif event.kind is EventKind.FIXED:
            if event.version is not None and version >= event.version:
                affected = False
        elif (
            event.kind is EventKind.LAST_AFFECTED
            and event.version is not None
            and version > event.version
        ):
            affected = False
    return affected


def affects(affected: Affected, version_text: str) -> bool:
    """Whether the package version is affected: inside a range or in the ``versions`` list."""
    try:
        version = Version(version_text)
    except InvalidVersion:
        return version_text in affected.versions_text
    return _affects(affected, version, canonical_version(version_text))


def _affects(affected: Affected, version: Version, canonical: str) -> bool:
    if any(in_range(version, r) for r in affected.ranges):
        return True
    return canonical in affected.canonical_versions


@dataclass(frozen=True)
class Match:
    """Records that affect one package version, merged when they describe one flaw."""

    package: str
    version: str
    records: tuple[Vulnerability, ...]

    @functools.cached_property
    def ids(self) -> tuple[str, ...]:
        """Every id and alias of the merged records, sorted."""
        return tuple(sorted({i for r in self.records for i in r.ids}))

    @functools.cached_property
    def id(self) -> str:
        return primary_id(self.ids)

    @functools.cached_property
    def aliases(self) -> tuple[str, ...]:
        return tuple(i for i in self.ids if i != self.id)


def match_package(package: str, version: str, records: Iterable[Vulnerability]) -> list[Match]:
    """The findings for one package version: withdrawn records skipped, aliases merged."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        hits = [
            record
            for record in records
            if not record.withdrawn
            and any(a.name == package and version in a.versions_text for a in record.affected)
        ]
    else:
        canonical = canonical_version(version)
        hits = [
            record
            for record in records
            if not record.withdrawn
            and any(a.name == package and _affects(a, parsed, canonical) for a in record.affected)
        ]
    return [Match(package, version, group) for group in merge_aliases(hits)]


def merge_aliases(records: Sequence[Vulnerability]) -> list[tuple[Vulnerability, ...]]:
    """Group records whose ids or aliases overlap (PYSEC, GHSA and CVE of one flaw)."""
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        root = item
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[item] != root:  # path compression keeps later finds short
            parent[item], item = root, parent[item]
        return root

    for record in records:
        for alias in record.ids:
            parent[find(alias)] = find(record.id)
    groups: dict[str, list[Vulnerability]] = {}
    for record in records:
        groups.setdefault(find(record.id), []).append(record)
    merged = [tuple(sorted(group, key=lambda r: r.id)) for group in groups.values()]
    return sorted(merged, key=lambda g: primary_id([i for r in g for i in r.ids]))


_PREFERENCE = ("PYSEC-", "GHSA-", "CVE-")


def primary_id(ids: Iterable[str]) -> str:
    """The id a merged finding is named by: PYSEC, then GHSA, then CVE, then others."""

    def rank(ident: str) -> tuple[int, str]:
        for position, prefix in enumerate(_PREFERENCE):
            if ident.startswith(prefix):
                return (position, ident)
        return (len(_PREFERENCE), ident)

    return min(ids, key=rank)


def fix_for(package: str, version: str, records: Iterable[Vulnerability]) -> str | None:
    """The smallest version above ``version`` that none of ``records`` affects, if any.

    Candidates are the ``fixed`` events the records name for the package; a candidate
    still inside another record's range is passed over.
    """
    records = list(records)
    try:
        current = Version(version)
    except InvalidVersion:
        return None
    affected = [a for r in records for a in r.affected if a.name == package]
    candidates: dict[Version, str] = {}
    for entry in affected:
        for osv_range in entry.ranges:
            for event in osv_range.events:
                if event.kind is EventKind.FIXED and event.version and event.version > current:
                    candidates.setdefault(event.version, event.text)
    for candidate in sorted(candidates):
        canonical = canonical_version(candidates[candidate])
        if not any(_affects(entry, candidate, canonical) for entry in affected):
            return candidates[candidate]
    return None


def index_by_package(records: Iterable[Vulnerability]) -> Mapping[str, list[Vulnerability]]:
    """Records per canonical package name they affect."""
    index: dict[str, list[Vulnerability]] = {}
    for record in records:
        for name in {a.name for a in record.affected}:
            index.setdefault(name, []).append(record)
    return index
