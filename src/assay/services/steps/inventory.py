"""Certify step: the dependency inventory, stored as Assay's inventory and a CycloneDX SBOM."""

from __future__ import annotations

import json

from assay.core.environment import INSTALLER_TOOLING_LEFT_OUT
from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.errors import NoDependencySource
from assay.formats import cyclonedx_json, inventory_json
from assay.services.sbom import SbomFormat, inventory_for, render
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["INVENTORY_UNKNOWN", "STEP", "UNKNOWN_MEDIA_TYPE", "InventoryStep"]

UNKNOWN_MEDIA_TYPE = "application/vnd.assay.inventory-unknown+json"
INVENTORY_UNKNOWN = "inventory_unknown"
"""Key of ``StepContext.shared`` holding why there is no inventory, for later steps."""


class InventoryStep(Step):
    name = "inventory"
    title = "Dependency inventory"
    order = 10

    def run(self, context: StepContext) -> StepOutcome:
        try:
            inventory = inventory_for(
                context.project, python=context.python, environment=context.environment
            )
        except NoDependencySource as exc:
            # Nothing to inventory is a fact about the project, not bad input: the run goes
            # on, the inventory (and what needs it) is unknown, and the other gates judged.
            return _unknown(context, exc.message, exc.diagnostics())
        context.shared["inventory"] = inventory
        components = inventory.components
        left_out = [n for n in inventory.notices if n.code == INSTALLER_TOOLING_LEFT_OUT]
        summary = {
            "status": "complete",
            "components": len(components),
            "pinned": sum(1 for c in components if c.pinned),
            "unpinned": sum(1 for c in components if not c.pinned),
            "direct": len(inventory.direct_names),
            "edges": len(inventory.edges),
            "sources": [f"{s.kind.value}: {s.path}" for s in inventory.sources],
            "warnings": sum(1 for n in inventory.notices if n.level.value == "warning"),
            "installer_tooling_left_out": len(left_out),
        }
        notes = [f"read {s.kind.value} at {s.path}" for s in inventory.sources]
        notes += [n.message for n in inventory.notices]
        return StepOutcome(
            evidence=(
                EvidenceItem(
                    EvidenceKind.INVENTORY,
                    inventory_json.MEDIA_TYPE,
                    inventory_json.dumps(inventory).encode("utf-8"),
                    summary,
                ),
                EvidenceItem(
                    EvidenceKind.SBOM_CYCLONEDX,
                    cyclonedx_json.MEDIA_TYPE,
                    render(inventory, SbomFormat.CYCLONEDX_JSON).encode("utf-8"),
                    {
                        "components": len(components),
                        "format": "CycloneDX 1.6 JSON",
                        "installer_tooling_left_out": len(left_out),
                    },
                ),
            ),
            inputs=tuple(f"{s.kind.value}:{s.path}:{s.sha256}" for s in inventory.sources),
            notes=tuple(notes),
        )


def _unknown(context: StepContext, reason: str, hint: str) -> StepOutcome:
    context.shared[INVENTORY_UNKNOWN] = reason
    summary = {"status": "unknown", "reason": reason, "hint": hint}
    body = json.dumps(summary, indent=2, sort_keys=True) + "\n"
    return StepOutcome(
        evidence=(
            EvidenceItem(EvidenceKind.INVENTORY, UNKNOWN_MEDIA_TYPE, body.encode("utf-8"), summary),
        ),
        inputs=("inventory:none",),
        notes=(f"inventory unknown: {reason}; {hint}",),
    )


STEP = InventoryStep()
