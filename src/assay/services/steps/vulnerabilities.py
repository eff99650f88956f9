"""Certify step: known vulnerabilities of the inventory, with the data snapshot they used."""

from __future__ import annotations

from dataclasses import replace

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.core.inventory import Inventory
from assay.core.scan import ScanResult, ScanStatus
from assay.errors import NoDependencySource
from assay.services.sbom import inventory_for
from assay.services.scan import scan_with
from assay.services.steps.interface import Step, StepContext, StepOutcome
from assay.services.steps.inventory import INVENTORY_UNKNOWN
from assay.settings import VulnerabilitySource

__all__ = ["OFFLINE_HINT", "STEP", "VulnerabilityStep"]


class VulnerabilityStep(Step):
    name = "vulnerabilities"
    title = "Known vulnerabilities"
    order = 20

    def run(self, context: StepContext) -> StepOutcome:
        from assay.formats import scan_json

        inventory = context.shared.get("inventory")
        missing = context.shared.get(INVENTORY_UNKNOWN)
        if not isinstance(inventory, Inventory) and missing is None:
            try:
                inventory = inventory_for(
                    context.project, python=context.python, environment=context.environment
                )
            except NoDependencySource as exc:
                missing = exc.message
        source = _source(context)
        hint = None
        if isinstance(inventory, Inventory):
            result = scan_with(context.ctx, inventory, source=source)
            if result.status is ScanStatus.UNKNOWN and source is VulnerabilitySource.OFFLINE:
                hint = OFFLINE_HINT
                result = replace(result, reason=f"{result.reason}; certify works offline")
        else:
            # No inventory, nothing to match: unknown, never "no vulnerabilities".
            result = ScanResult(
                status=ScanStatus.UNKNOWN,
                source="none",
                snapshot=None,
                reason=f"no dependency inventory to check: {missing}",
            )
        counts = result.counts()
        summary: dict[str, object] = {"status": result.status.value}
        if result.status is ScanStatus.UNKNOWN:
            summary["reason"] = result.reason
            if hint:
                summary["hint"] = hint
        if result.status.value == "complete":
            summary["in_force"] = len(result.findings)
            summary["suppressed"] = len(result.suppressed)
            summary.update({k: v for k, v in counts.items() if v})
        if result.snapshot:
            summary["snapshot"] = result.snapshot[:12]
        notes = [f"data: {result.source}"]
        if result.status.value == "unknown":
            notes.append(f"vulnerabilities unknown: {result.reason}")
            if hint:
                notes.append(f"hint: {hint}")
        notes += [f"{f.package} {f.version}: {f.id} ({f.severity.value})" for f in result.findings]
        notes += [
            f"suppression of {s.subject} expired on {s.expires.isoformat()}"
            for s in result.expired_suppressions
        ]
        notes += [
            f"suppression of {s.subject} matches nothing" for s in result.unmatched_suppressions
        ]
        return StepOutcome(
            evidence=(
                EvidenceItem(
                    EvidenceKind.VULNERABILITIES,
                    scan_json.MEDIA_TYPE,
                    scan_json.dumps(result).encode("utf-8"),
                    summary,
                ),
            ),
            inputs=(f"vulnerability-data::{result.snapshot or 'none'}",),
            notes=tuple(notes),
        )


OFFLINE_HINT = "import advisories with assay vulndb import, or pass --online"


def _source(context: StepContext) -> VulnerabilitySource:
    """Certify reaches the OSV API only when asked: ``--online``, or ``[vulnerabilities]
    source = "online"``; otherwise (``auto`` too) it uses the imported data alone."""
    chosen = context.vulnerability_source or context.settings.vulnerabilities.source
    if chosen is VulnerabilitySource.ONLINE:
        return chosen
    return VulnerabilitySource.OFFLINE


STEP = VulnerabilityStep()
