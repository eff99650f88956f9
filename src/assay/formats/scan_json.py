"""Assay's own vulnerability scan document: every fact of a ScanResult as plain JSON."""

from __future__ import annotations

import json
from typing import Any

from assay.core.exemptions import Exemption
from assay.core.scan import Finding, PackageFix, ScanResult

__all__ = ["MEDIA_TYPE", "SCHEMA", "dumps", "finding_order", "to_dict"]

SCHEMA = "https://assay.dev/schemas/vulnerability-scan/v1"
MEDIA_TYPE = "application/vnd.assay.vulnerability-scan+json"


def to_dict(result: ScanResult) -> dict[str, Any]:
    """A JSON-ready dict; lists are put in a canonical order so equal scans give equal text."""
    return {
        "schema": SCHEMA,
        "status": result.status.value,
        "source": result.source,
        "snapshot": result.snapshot,
        "reason": result.reason,
        "scanned": result.scanned,
        "not_scanned": sorted(result.not_scanned),
        "counts": result.counts(),
        "findings": [_finding(f) for f in sorted(result.findings, key=finding_order)],
        "suppressed": [
            {
                **_finding(f),
                "suppressed_by": _suppression(f.suppressed_by) if f.suppressed_by else None,
            }
            for f in sorted(result.suppressed, key=finding_order)
        ],
        "expired_suppressions": [_suppression(s) for s in _sorted(result.expired_suppressions)],
        "unmatched_suppressions": [_suppression(s) for s in _sorted(result.unmatched_suppressions)],
        "fixes": [_fix(f) for f in sorted(result.fixes, key=lambda f: (f.package, f.version))],
    }


def dumps(result: ScanResult) -> str:
    """Two-space indented JSON with sorted keys, ending in a newline."""
    return (
        json.dumps(to_dict(result), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
        + "\n"
    )


def finding_order(finding: Finding) -> tuple[int, str, str, str]:
    """Most severe first, then by package, version and id: the order every format uses."""
    return (finding.severity.rank, finding.package, finding.version, finding.id)


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "package": finding.package,
        "version": finding.version,
        "purl": finding.purl,
        "id": finding.id,
        "aliases": sorted(finding.aliases),
        "summary": finding.summary,
        "severity": finding.severity.value,
        "score": finding.score,
        "vectors": sorted(finding.vectors),
        "fixed_in": finding.fixed_in,
        # The advisory's own order is kept: its first reference is the one to read first.
        "references": list(finding.references),
    }


def _suppression(suppression: Exemption) -> dict[str, str]:
    return {
        "id": suppression.subject,
        "reason": suppression.reason,
        "owner": suppression.owner,
        "expires": suppression.expires.isoformat(),
    }


def _fix(fix: PackageFix) -> dict[str, str | None]:
    return {"package": fix.package, "version": fix.version, "fix": fix.fix}


def _sorted(suppressions: tuple[Exemption, ...]) -> list[Exemption]:
    return sorted(suppressions, key=lambda s: (s.subject, s.expires, s.owner, s.reason))
