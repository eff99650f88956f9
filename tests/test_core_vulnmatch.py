"""Range matching, alias merging, fix advice, severity and suppressions."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from assay.core.exemptions import Exemption
from assay.core.inventory import Component, Inventory, Origin
from assay.core.osv import Event, EventKind, OsvRange, Severity, parse_record
from assay.core.scan import apply_suppressions, scan_inventory
from assay.core.severity import Bucket, bucket_of
from assay.core.vulnmatch import fix_for, in_range, index_by_package, match_package, primary_id
from osv_oracle import covers

versions = st.builds(
    lambda epoch, release, pre, post, dev, local: Version(
        (f"{epoch}!" if epoch else "")
        + ".".join(map(str, release))
        + (f"{pre[0]}{pre[1]}" if pre else "")
        + (f".post{post}" if post is not None else "")
        + (f".dev{dev}" if dev is not None else "")
        + (f"+{local}" if local else "")
    ),
    epoch=st.sampled_from([0, 0, 0, 1]),
    release=st.lists(st.integers(0, 12), min_size=1, max_size=3),
    pre=st.one_of(st.none(), st.tuples(st.sampled_from(["a", "b", "rc"]), st.integers(0, 3))),
    post=st.one_of(st.none(), st.integers(0, 2)),
    dev=st.one_of(st.none(), st.integers(0, 2)),
    local=st.one_of(st.none(), st.sampled_from(["ubuntu.1", "abc"])),
)


@st.composite
def ranges(draw: st.DrawFn) -> OsvRange:
    """Well-formed ranges: alternating introduced/closing events at ascending versions."""
    points = sorted(set(draw(st.lists(versions, min_size=1, max_size=6))))
    events: list[Event] = []
    if draw(st.booleans()):
        events.append(Event(EventKind.INTRODUCED, "0", None))
        closing = True
    else:
        closing = False
    for point in points:
        if closing:
            kind = draw(st.sampled_from([EventKind.FIXED, EventKind.LAST_AFFECTED]))
        else:
            kind = EventKind.INTRODUCED
        events.append(Event(kind, str(point), point))
        closing = not closing
    return OsvRange(tuple(events))


@settings(max_examples=400, deadline=None)
@given(osv_range=ranges(), version=versions)
def test_matching_agrees_with_the_interval_reading_of_the_range(
    osv_range: OsvRange, version: Version
) -> None:
    assert in_range(version, osv_range) == covers(osv_range, version)


@settings(max_examples=300, deadline=None)
@given(osv_range=ranges())
def test_boundaries_of_a_well_formed_range(osv_range: OsvRange) -> None:
    for event in osv_range.events:
        if event.version is None:
            continue
        if event.kind is EventKind.INTRODUCED:
            assert in_range(event.version, osv_range)
        elif event.kind is EventKind.FIXED:
            assert not in_range(event.version, osv_range)
        else:
            assert in_range(event.version, osv_range)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0", True),  # introduced is inclusive
        ("1.4.9", True),
        ("1.5rc1", True),  # a pre-release of the fix sorts before it
        ("1.5", False),  # fixed is exclusive
        ("1.5.post1", False),
        ("1.5+local", False),  # a local version of the fix is the fix
        ("1.0.dev0", False),  # a dev release sorts before 1.0
        ("0.9", False),
        ("1!0.1", False),  # a later epoch is after every 0-epoch version
        ("2.0", True),
        ("2.1", False),  # last_affected 2.0 closes the second range
    ],
)
def test_pep440_ordering_decides_membership(version: str, expected: bool) -> None:
    record = parse_record(
        {
            "id": "X-1",
            "modified": "2024-01-01T00:00:00Z",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": "pkg"},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [
                                {"introduced": "1.0"},
                                {"fixed": "1.5"},
                                {"introduced": "2.0"},
                                {"last_affected": "2.0"},
                            ],
                        }
                    ],
                }
            ],
        }
    )
    assert bool(match_package("pkg", version, [record])) is expected


def _record(ident: str, aliases: list[str], fixed: str, **extra: object) -> dict[str, object]:
    return {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "aliases": aliases,
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Pkg"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
        **extra,
    }


def test_records_of_one_flaw_merge_into_one_finding_named_by_preference() -> None:
    records = [
        parse_record(_record("GHSA-xxxx-yyyy-zzzz", ["CVE-2024-1"], "2.0")),
        parse_record(_record("PYSEC-2024-9", ["CVE-2024-1"], "2.0")),
        parse_record(_record("PYSEC-2024-10", [], "3.0")),
    ]
    matches = match_package("pkg", "1.0", records)
    assert [m.id for m in matches] == ["PYSEC-2024-10", "PYSEC-2024-9"]
    assert matches[1].aliases == ("CVE-2024-1", "GHSA-xxxx-yyyy-zzzz")
    assert primary_id(["CVE-1", "GHSA-1", "OSV-1"]) == "GHSA-1"


def test_fix_advice_per_finding_and_per_package() -> None:
    one = parse_record(_record("PYSEC-1", [], "2.0"))
    two = parse_record(_record("PYSEC-2", [], "3.0"))
    assert fix_for("pkg", "1.0", [one]) == "2.0"
    assert fix_for("pkg", "1.0", [one, two]) == "3.0"
    open_ended = parse_record(
        {
            "id": "PYSEC-3",
            "modified": "x",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": "pkg"},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
                }
            ],
        }
    )
    assert fix_for("pkg", "1.0", [one, open_ended]) is None


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")], Bucket.CRITICAL),
        ([Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")], Bucket.HIGH),
        ([Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N")], Bucket.MEDIUM),
        ([Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:N")], Bucket.LOW),
        (
            [
                Severity(
                    "CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
                )
            ],
            Bucket.CRITICAL,
        ),
        ([Severity("database_specific", "MODERATE")], Bucket.MEDIUM),
        ([Severity("CVSS_V3", "not a vector")], Bucket.UNKNOWN),
        ([], Bucket.UNKNOWN),
    ],
)
def test_severity_buckets(entries: list[Severity], expected: Bucket) -> None:
    assert bucket_of(entries) is expected


def test_suppressions_apply_until_they_expire_and_unused_ones_are_reported() -> None:
    records = [
        parse_record(_record("PYSEC-1", ["CVE-1"], "2.0")),
        parse_record(_record("PYSEC-2", [], "2.0")),
    ]
    inventory = Inventory.build([Component("pkg", "1.0", Origin("requirements.txt", 1))])
    result = scan_inventory(inventory, index_by_package(records), source="test", snapshot="0" * 64)
    by_alias = Exemption("CVE-1", "security team", "not reachable", date(2027, 1, 1))
    expired = Exemption("PYSEC-2", "security team", "old decision", date(2026, 1, 1))
    unused = Exemption("PYSEC-99", "security team", "stale", date(2027, 1, 1))
    applied = apply_suppressions(result, [by_alias, expired, unused], date(2026, 11, 23))
    assert [f.id for f in applied.findings] == ["PYSEC-2"]
    assert [(f.id, f.suppressed_by) for f in applied.suppressed] == [("PYSEC-1", by_alias)]
    assert applied.expired_suppressions == (expired,)
    assert applied.unmatched_suppressions == (unused,)


def test_unpinned_components_are_listed_as_not_scanned() -> None:
    inventory = Inventory.build(
        [
            Component("pkg", None, Origin("pyproject.toml", 3), specifier=">=1"),
            Component("other", "1.0", Origin("pyproject.toml", 4)),
        ]
    )
    result = scan_inventory(inventory, {}, source="test", snapshot=None)
    assert result.not_scanned == ("pkg",) and result.scanned == 1


@settings(max_examples=500, deadline=None)
@given(first=versions, second=versions)
def test_canonical_strings_are_equal_exactly_when_versions_are(
    first: Version, second: Version
) -> None:
    from assay.core.osv import canonical_version

    assert (canonical_version(str(first)) == canonical_version(str(second))) == (first == second)


@pytest.mark.parametrize(
    ("listed", "asked"), [("1.0.0", "1"), ("1", "1.0"), ("01.2", "1.2"), ("1.0+ABC", "1+abc")]
)
def test_a_listed_version_matches_however_it_is_written(listed: str, asked: str) -> None:
    record = parse_record(
        {
            "id": "X-2",
            "modified": "x",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "pkg"}, "versions": [listed]}],
        }
    )
    assert match_package("pkg", asked, [record])


def test_a_package_fix_is_found_even_when_one_finding_names_no_fixed_version() -> None:
    closed_by_last_affected = parse_record(
        {
            "id": "PYSEC-5",
            "modified": "x",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": "pkg"},
                    "ranges": [
                        {
                            "type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"last_affected": "1.5"}],
                        }
                    ],
                }
            ],
        }
    )
    fixed_later = parse_record(_record("PYSEC-6", [], "2.0"))
    inventory = Inventory.build([Component("pkg", "1.0", Origin("requirements.txt", 1))])
    result = scan_inventory(
        inventory,
        index_by_package([closed_by_last_affected, fixed_later]),
        source="test",
        snapshot=None,
    )
    assert {f.id: f.fixed_in for f in result.findings} == {"PYSEC-5": None, "PYSEC-6": "2.0"}
    assert [(f.package, f.fix) for f in result.fixes] == [("pkg", "2.0")]
