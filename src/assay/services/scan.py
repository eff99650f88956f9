"""The scan use case: inventory a project and match it against vulnerability data."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from assay.core.exemptions import Exemption
from assay.core.inventory import Inventory
from assay.core.osv import MalformedRecord, Vulnerability, parse_record
from assay.core.scan import (
    ScanResult,
    ScanStatus,
    apply_suppressions,
    scan_inventory,
)
from assay.errors import EnvironmentProblem, NotFoundError
from assay.services.context import Context
from assay.services.sbom import inventory_for
from assay.services.vulndb import records_for, snapshot_info
from assay.settings import VulnerabilitySource

__all__ = ["ScanOutcome", "scan", "scan_with"]


@dataclass(frozen=True)
class ScanOutcome:
    inventory: Inventory
    result: ScanResult


def scan(
    target: Path,
    ctx: Context,
    *,
    python: str | None = None,
    environment: bool = False,
    source: VulnerabilitySource | None = None,
    today: date | None = None,
) -> ScanOutcome:
    """Inventory ``target`` and match it; the suppressions of assay.toml apply."""
    inventory = inventory_for(target, python=python, environment=environment)
    return ScanOutcome(inventory, scan_with(ctx, inventory, source=source, today=today))


def scan_with(
    ctx: Context,
    inventory: Inventory,
    *,
    source: VulnerabilitySource | None = None,
    today: date | None = None,
) -> ScanResult:
    """Match ``inventory`` against the imported database or the OSV API.

    With neither available the result is ``unknown`` with the reasons, never an empty
    list of findings.
    """
    mode = source or ctx.settings.vulnerabilities.source
    reasons: list[str] = []
    result: ScanResult | None = None
    if mode is not VulnerabilitySource.ONLINE:
        result = _offline(ctx, inventory, reasons)
    if result is None and mode is not VulnerabilitySource.OFFLINE:
        result = _online(ctx, inventory, reasons)
    if result is None:
        result = ScanResult(
            status=ScanStatus.UNKNOWN,
            source="none",
            snapshot=None,
            reason="; ".join(reasons),
            not_scanned=tuple(c.name for c in inventory.components),
        )
    suppressions = [
        Exemption(e.id, e.owner, e.reason, e.expires) for e in ctx.settings.vulnerabilities.ignore
    ]
    return apply_suppressions(result, suppressions, today or datetime.now(UTC).date())


def _offline(ctx: Context, inventory: Inventory, reasons: list[str]) -> ScanResult | None:
    try:
        store = ctx.store(create=False)
    except NotFoundError:
        reasons.append("no vulnerability database imported (assay vulndb import or sync)")
        return None
    info = snapshot_info(store)
    if info is None:
        reasons.append("no vulnerability database imported (assay vulndb import or sync)")
        return None
    records = records_for(store, (c.name for c in inventory.components if c.version))
    return scan_inventory(
        inventory,
        records,
        source=f"offline database {info.digest[:12]} ({info.record_count} records, "
        f"newest modified {info.newest_modified}, imported {info.imported_at:%Y-%m-%d})",
        snapshot=info.digest,
    )


def _online(ctx: Context, inventory: Inventory, reasons: list[str]) -> ScanResult | None:
    from assay.feeds.osv_api import OsvApiClient

    pairs = sorted({(c.name, c.version) for c in inventory.components if c.version})
    # One retry: a scan should say quickly that the API is out of reach, not back off for
    # seconds; `assay vulndb sync` is the patient path.
    client = OsvApiClient(
        ctx.settings.vulnerabilities.osv_url, cache_dir=ctx.settings.cache_dir / "osv", retries=1
    )
    try:
        answers = client.query_many(pairs)
    except EnvironmentProblem as exc:
        reasons.append(exc.message)
        return None
    records: dict[str, list[Vulnerability]] = {}
    digest = hashlib.sha256()
    for (name, _version), raw_records in sorted(answers.items()):
        for raw in raw_records:
            try:
                record = parse_record(raw)
            except MalformedRecord:
                continue
            digest.update(f"{record.id}@{record.modified}\n".encode())
            if record not in records.setdefault(name, []):
                records[name].append(record)
    return scan_inventory(
        inventory,
        records,
        source=f"OSV API {ctx.settings.vulnerabilities.osv_url}",
        snapshot=digest.hexdigest(),
    )
