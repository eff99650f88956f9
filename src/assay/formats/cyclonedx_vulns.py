"""CycloneDX 1.6 JSON of an inventory with the vulnerabilities a scan found in it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import quote

from assay.core.inventory import Inventory
from assay.core.osv import Severity
from assay.core.scan import Finding, ScanResult, ScanStatus
from assay.core.severity import bucket_of, score_of
from assay.formats import cyclonedx_json
from assay.formats.scan_json import finding_order

__all__ = ["MEDIA_TYPE", "document", "to_json"]

MEDIA_TYPE = cyclonedx_json.MEDIA_TYPE

# Vector prefix -> (OSV severity type, CycloneDX scoreMethod); CVSS v2 vectors have none.
_METHODS = (
    ("CVSS:4.0/", "CVSS_V4", "CVSSv4"),
    ("CVSS:3.1/", "CVSS_V3", "CVSSv31"),
    ("CVSS:3.0/", "CVSS_V3", "CVSSv3"),
)


def to_json(inventory: Inventory, result: ScanResult, created: datetime) -> str:
    """CycloneDX 1.6 JSON, two-space indented, keys sorted."""
    return (
        json.dumps(document(inventory, result, created), indent=2, sort_keys=True, allow_nan=False)
        + "\n"
    )


def document(inventory: Inventory, result: ScanResult, created: datetime) -> dict[str, Any]:
    """The SBOM of ``inventory`` plus one vulnerability per finding, suppressed ones included.

    A scan that did not complete gives no ``vulnerabilities`` array at all, since an empty
    one would read as "no known vulnerabilities"; metadata properties say why. Raises
    ``ValueError`` when a finding names a component the inventory lacks.
    """
    body = cyclonedx_json.document(inventory, created)
    # The serial number is a digest of the content, which is about to change.
    del body["serialNumber"]
    refs = {component["bom-ref"] for component in body["components"]}
    findings = sorted([*result.findings, *result.suppressed], key=finding_order)
    missing = sorted({f.purl for f in findings} - refs)
    if missing:
        raise ValueError(f"findings name components not in the inventory: {', '.join(missing)}")
    metadata = body["metadata"]
    scan = {
        "assay:vulnerability-scan": result.status.value,
        "assay:vulnerability-source": result.source,
        "assay:vulnerability-snapshot": result.snapshot or "",
        "assay:vulnerability-scan-reason": result.reason,
    }
    properties = [
        *metadata.get("properties", []),
        *({"name": name, "value": value} for name, value in scan.items() if value),
    ]
    metadata["properties"] = sorted(properties, key=lambda p: (p["name"], p["value"]))
    if result.status is ScanStatus.COMPLETE:
        body["vulnerabilities"] = [_vulnerability(f) for f in findings]
    body["serialNumber"] = cyclonedx_json.content_uuid("sbom", body).urn
    return body


def _vulnerability(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "bom-ref": f"vulnerability:{finding.id}:{finding.purl}",
        "id": finding.id,
        # The record was read from OSV's data, whatever namespace its primary id is in.
        "source": _osv(finding.id),
        "ratings": _ratings(finding),
        "description": finding.summary,
        "affects": [{"ref": finding.purl}],
    }
    if finding.aliases:
        data["references"] = [
            {"id": alias, "source": _source(alias)} for alias in sorted(finding.aliases)
        ]
    if finding.fixed_in:
        data["recommendation"] = f"Upgrade {finding.package} to {finding.fixed_in} or later."
    suppression = finding.suppressed_by
    if suppression is not None:
        # Assay's suppressions record a reason in free text, not one of the spec's
        # justification codes, so the reason goes in the detail and justification stays out.
        data["analysis"] = {
            "state": "not_affected",
            "detail": (
                f"{suppression.reason} (owner: {suppression.owner}; "
                f"suppression expires {suppression.expires.isoformat()})"
            ),
        }
    return data


def _ratings(finding: Finding) -> list[dict[str, Any]]:
    """One rating per CVSS vector, scored alone; the bucket alone when there is no vector."""
    ratings: list[dict[str, Any]] = []
    for vector in sorted(finding.vectors):
        kind, method = next(
            ((k, m) for prefix, k, m in _METHODS if vector.startswith(prefix)),
            ("CVSS_V2", "CVSSv2"),
        )
        entry = [Severity(kind, vector)]
        rating: dict[str, Any] = {
            "method": method,
            "vector": vector,
            "severity": bucket_of(entry).value,
        }
        score = score_of(entry)
        if score is not None:
            rating["score"] = score
        ratings.append(rating)
    if not ratings:
        ratings.append({"severity": finding.severity.value})
    return ratings


def _source(ident: str) -> dict[str, str]:
    """Where an id is published: NVD for CVEs, GitHub for GHSAs, OSV for everything else."""
    if ident.startswith("CVE-"):
        return {"name": "NVD", "url": f"https://nvd.nist.gov/vuln/detail/{quote(ident)}"}
    if ident.startswith("GHSA-"):
        return {"name": "GitHub Advisories", "url": f"https://github.com/advisories/{quote(ident)}"}
    return _osv(ident)


def _osv(ident: str) -> dict[str, str]:
    return {"name": "OSV", "url": f"https://osv.dev/vulnerability/{quote(ident, safe='')}"}
