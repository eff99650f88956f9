"""The matcher over every record of the PyPA advisory export in ../shared/data."""

from __future__ import annotations

import json
import warnings
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
from packaging.version import Version

from assay.core.osv import Affected, EventKind, MalformedRecord, Vulnerability, parse_record
from assay.core.vulnmatch import affects, in_range, match_package
from conftest import SHARED
from osv_oracle import covers

EXPORT = SHARED / "data" / "osv-pypi-advisories.zip"
pytestmark = pytest.mark.skipif(
    not EXPORT.is_file(), reason=f"needs the shared advisory export at {EXPORT}"
)
# Records whose own data is not PyPI-valid; import rejects them and says why.
KNOWN_MALFORMED = {
    "PYSEC-2019-125": "fixed version '2019-09-12' of steam is not a PEP 440 version",
    "PYSEC-2021-371": "fixed version '0.2.0-n653' of binderhub is not a PEP 440 version",
}
# Records whose versions list names versions their own ranges exclude.
LISTED_OUTSIDE_RANGES = {
    "PYSEC-2021-114": "events are introduced 0, introduced 2.11, fixed 2.11.6, fixed 2.11.7; "
    "the list still names 2.11.6, a fixed version",
    "PYSEC-2023-177": "the list names 23.9.0 and 23.9.0.post1, at and after the fixed 23.9.0",
    "PYSEC-2023-61": "the list names 3.2 and 4.2 pre-releases, which PEP 440 orders before "
    "the introduced 3.2 and 4.2",
}


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Vulnerability], dict[str, str]]:
    records: list[Vulnerability] = []
    rejected: dict[str, str] = {}
    with zipfile.ZipFile(EXPORT) as archive:
        for name in archive.namelist():
            try:
                records.append(parse_record(json.loads(archive.read(name))))
            except MalformedRecord as exc:
                ident, _, why = str(exc).partition(": ")
                rejected[ident] = why
    return records, rejected


def test_every_record_parses_except_the_known_malformed_ones(
    corpus: tuple[list[Vulnerability], dict[str, str]],
) -> None:
    records, rejected = corpus
    assert rejected == KNOWN_MALFORMED
    assert len(records) == 2661 - len(KNOWN_MALFORMED)


def test_every_listed_version_matches_through_the_ranges(
    corpus: tuple[list[Vulnerability], dict[str, str]],
) -> None:
    records, _ = corpus
    missed: dict[str, list[str]] = defaultdict(list)
    for record in records:
        for entry in record.affected:
            for version in entry.versions if entry.ranges else ():
                if not any(in_range(version, r) for r in entry.ranges):
                    missed[record.id].append(str(version))
    assert set(missed) == set(LISTED_OUTSIDE_RANGES), dict(missed)
    for ident, versions in sorted(missed.items()):
        print(f"{ident}: {LISTED_OUTSIDE_RANGES[ident]} ({', '.join(sorted(versions))})")
    checked = sum(len(e.versions) for r in records for e in r.affected if e.ranges)
    assert checked > 50_000


def _releases(records: list[Vulnerability]) -> dict[str, set[Version]]:
    """Real releases per package: the union of every record's versions list."""
    known: dict[str, set[Version]] = defaultdict(set)
    for record in records:
        for entry in record.affected:
            known[entry.name] |= entry.versions
    return known


def _constructed(entry: Affected) -> set[Version]:
    """Versions at and around every boundary: pre-, post-, dev-, local versions, epochs."""
    made: set[Version] = set()
    for osv_range in entry.ranges:
        for event in osv_range.events:
            if event.version is None:
                continue
            base = event.version.base_version
            for suffix in ("", "a1", "rc1", ".post1", ".dev0", "+local.1", ".0.1"):
                made.add(Version(base + suffix))
            made.add(Version(f"1!{base}"))
    return made


def test_versions_outside_the_list_match_only_where_the_ranges_cover_them(
    corpus: tuple[list[Vulnerability], dict[str, str]], tmp_path: Path
) -> None:
    """Real releases not in a record's list, and constructed boundary versions.

    The matcher must agree with the interval oracle on every one. Real releases that
    the ranges cover but the list omits are the data disagreeing with itself; they are
    listed with the reason, and must all be explained.
    """
    records, _ = corpus
    releases = _releases(records)
    wrong: list[tuple[str, str, str]] = []
    disagreements: dict[str, list[str]] = defaultdict(list)
    compared = 0
    for record in records:
        for entry in record.affected:
            if not entry.ranges:
                continue
            for version in (releases[entry.name] - entry.versions) | _constructed(entry):
                compared += 1
                ours = any(in_range(version, r) for r in entry.ranges)
                oracle = any(covers(r, version) for r in entry.ranges)
                if ours != oracle:
                    wrong.append((record.id, entry.name, str(version)))
                elif ours and version in releases[entry.name] and version not in entry.versions:
                    disagreements[_reason(entry, version)].append(
                        f"{record.id} {entry.name} {version}"
                    )
    assert wrong == []
    assert compared > 100_000
    report = tmp_path / "osv-data-disagreements.txt"
    report.write_text(
        "".join(
            f"{reason}: {len(items)}\n" + "".join(f"  {item}\n" for item in sorted(items))
            for reason, items in sorted(disagreements.items())
        ),
        encoding="utf-8",
    )
    summary = "; ".join(f"{len(v)} x {k}" for k, v in sorted(disagreements.items()))
    warnings.warn(
        f"advisory data disagreeing with itself: {summary} (listed in {report})", stacklevel=1
    )
    assert set(disagreements) <= set(_REASONS.values())


_REASONS = {
    "open": "open-ended range (no fix): releases after the list was written are affected",
    "empty": "the record has no versions list",
    "omitted": "the ranges cover this release but the versions list leaves it out",
}


def _reason(entry: Affected, version: Version) -> str:
    if not entry.versions:
        return _REASONS["empty"]
    for osv_range in entry.ranges:
        if in_range(version, osv_range) and not any(
            e.kind in (EventKind.FIXED, EventKind.LAST_AFFECTED) for e in osv_range.events
        ):
            return _REASONS["open"]
    return _REASONS["omitted"]


def test_withdrawn_records_match_in_the_data_but_give_no_finding(
    corpus: tuple[list[Vulnerability], dict[str, str]],
) -> None:
    records, _ = corpus
    withdrawn = [r for r in records if r.withdrawn]
    assert len(withdrawn) == 10
    checked = 0
    for record in withdrawn:
        for entry in record.affected:
            for version in sorted(entry.versions)[:3]:
                assert affects(entry, str(version))
                assert match_package(entry.name, str(version), [record]) == []
                checked += 1
    assert checked > 0
