"""Certify step: known vulnerabilities of the inventory, with the data snapshot they used."""

from __future__ import annotations

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.core.inventory import Inventory
from assay.core.scan import ScanResult, ScanStatus
from assay.errors import NoDependencySource
from assay.services.sbom import inventory_for
from assay.services.scan import scan_with
from assay.services.steps.interface import Step, StepContext, StepOutcome
from assay.services.steps.inventory import INVENTORY_UNKNOWN

__all__ = ["STEP", "VulnerabilityStep"]


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
        if isinstance(inventory, Inventory):
            result = scan_with(context.settings, inventory)
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
        if result.status.value == "complete":
            summary["in_force"] = len(result.findings)
            summary["suppressed"] = len(result.suppressed)
            summary.update({k: v for k, v in counts.items() if v})
        if result.snapshot:
            summary["snapshot"] = result.snapshot[:12]
        notes = [f"data: {result.source}"]
        if result.status.value == "unknown":
            notes.append(f"vulnerabilities unknown: {result.reason}")
        notes += [f"{f.package} {f.version}: {f.id} ({f.severity.value})" for f in result.findings]
        notes += [
            f"suppression of {s.id} expired on {s.expires.isoformat()}"
            for s in result.expired_suppressions
        ]
        notes += [f"suppression of {s.id} matches nothing" for s in result.unmatched_suppressions]
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


STEP = VulnerabilityStep()
