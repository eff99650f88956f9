"""The result of matching an inventory against vulnerability data, and its suppressions."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from packaging.version import Version

from assay.core.exemptions import Exemption
from assay.core.inventory import Inventory
from assay.core.osv import Vulnerability
from assay.core.severity import Bucket, bucket_of, score_of
from assay.core.vulnmatch import affects, fix_for, match_package

__all__ = [
    "Finding",
    "PackageFix",
    "ScanResult",
    "ScanStatus",
    "apply_suppressions",
    "scan_inventory",
]


class ScanStatus(enum.StrEnum):
    COMPLETE = "complete"
    """Every pinned component was checked against the named data."""
    UNKNOWN = "unknown"
    """No vulnerability data could be consulted: never read this as "no findings"."""


@dataclass(frozen=True)
class Finding:
    """One flaw (records merged by alias) affecting one component version."""

    package: str
    """Canonical name."""
    version: str
    purl: str
    id: str
    """Primary id: PYSEC, then GHSA, then CVE."""
    aliases: tuple[str, ...]
    summary: str
    severity: Bucket
    score: float | None
    """Highest CVSS base score, when a vector was given."""
    vectors: tuple[str, ...]
    fixed_in: str | None
    """Smallest version that fixes this finding, when one exists."""
    references: tuple[str, ...] = ()
    suppressed_by: Exemption | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


@dataclass(frozen=True)
class PackageFix:
    """The smallest version of a package that fixes all of its findings, if any."""

    package: str
    version: str
    fix: str | None


@dataclass(frozen=True)
class ScanResult:
    status: ScanStatus
    source: str
    """Where the data came from: an offline snapshot or the OSV API."""
    snapshot: str | None
    """Digest of the database snapshot used (offline), so the scan can be reproduced."""
    findings: tuple[Finding, ...] = ()
    """Findings in force (not suppressed), most severe first."""
    suppressed: tuple[Finding, ...] = ()
    expired_suppressions: tuple[Exemption, ...] = ()
    unmatched_suppressions: tuple[Exemption, ...] = ()
    fixes: tuple[PackageFix, ...] = ()
    scanned: int = 0
    not_scanned: tuple[str, ...] = ()
    """Components that could not be checked (no pinned version), by name."""
    reason: str = ""
    """Why the status is unknown."""

    def counts(self) -> dict[str, int]:
        """Findings in force per severity bucket (every bucket present)."""
        result = {bucket.value: 0 for bucket in Bucket}
        for finding in self.findings:
            result[finding.severity.value] += 1
        return result


def scan_inventory(
    inventory: Inventory,
    records_by_package: Mapping[str, Sequence[Vulnerability]],
    *,
    source: str,
    snapshot: str | None,
) -> ScanResult:
    """Match every pinned component; unpinned ones are listed as not scanned."""
    findings: list[Finding] = []
    fixes: list[PackageFix] = []
    not_scanned = []
    for component in inventory.components:
        if component.version is None:
            not_scanned.append(component.name)
            continue
        records = records_by_package.get(component.name, ())
        matches = match_package(component.name, component.version, records)
        for match in matches:
            severity = [s for r in match.records for s in r.severity]
            first = match.records[0]
            findings.append(
                Finding(
                    package=component.name,
                    version=component.version,
                    purl=component.purl,
                    id=match.id,
                    aliases=match.aliases,
                    summary=_summary(match.records),
                    severity=bucket_of(severity),
                    score=score_of(severity),
                    vectors=tuple(sorted({s.score for s in severity if s.kind.startswith("CVSS")})),
                    fixed_in=fix_for(component.name, component.version, match.records),
                    references=first.references,
                )
            )
        if matches:
            own = [f.fixed_in for f in findings[-len(matches) :]]
            every = [r for m in matches for r in m.records]
            fixes.append(
                PackageFix(
                    component.name,
                    component.version,
                    _package_fix(component.name, component.version, own, every),
                )
            )
    return ScanResult(
        status=ScanStatus.COMPLETE,
        source=source,
        snapshot=snapshot,
        findings=tuple(sorted(findings, key=_order)),
        fixes=tuple(fixes),
        scanned=len(inventory.components) - len(not_scanned),
        not_scanned=tuple(not_scanned),
    )


def apply_suppressions(
    result: ScanResult, suppressions: Iterable[Exemption], today: date
) -> ScanResult:
    """Move suppressed findings aside; expired entries stop suppressing and are reported."""
    active = [s for s in suppressions if s.expires >= today]
    expired = tuple(s for s in suppressions if s.expires < today)
    used: set[Exemption] = set()
    kept: list[Finding] = []
    suppressed: list[Finding] = []
    for finding in result.findings:
        hit = next((s for s in active if s.subject in finding.ids), None)
        if hit is None:
            kept.append(finding)
        else:
            used.add(hit)
            suppressed.append(replace(finding, suppressed_by=hit))
    unmatched = tuple(s for s in active if s not in used)
    return replace(
        result,
        findings=tuple(kept),
        suppressed=tuple(suppressed),
        expired_suppressions=expired,
        unmatched_suppressions=unmatched,
    )


def _package_fix(
    package: str, version: str, own: list[str | None], records: list[Vulnerability]
) -> str | None:
    """The smallest version fixing every finding of a package.

    Usually the highest of the findings' own fixes; that is checked against every record,
    and only when it fails (or a finding has no fix) are all candidates searched.
    """
    fixed = [f for f in own if f is not None]
    if len(fixed) == len(own):
        highest = max(fixed, key=Version)
        if not any(affects(a, highest) for r in records for a in r.affected if a.name == package):
            return highest
    return fix_for(package, version, records)


def _summary(records: Sequence[Vulnerability]) -> str:
    for record in records:
        text = record.summary or record.details
        if text:
            line = " ".join(text.split())
            return line if len(line) <= 200 else line[:197] + "..."
    return "no description"


def _order(finding: Finding) -> tuple[int, str, str]:
    return (finding.severity.rank, finding.package, finding.id)
