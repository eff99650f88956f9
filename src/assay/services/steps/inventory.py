"""Certify step: the dependency inventory, stored as Assay's inventory and a CycloneDX SBOM."""

from __future__ import annotations

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.formats import cyclonedx_json, inventory_json
from assay.services.sbom import SbomFormat, inventory_for, render
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "InventoryStep"]


class InventoryStep(Step):
    name = "inventory"
    title = "Dependency inventory"
    order = 10

    def run(self, context: StepContext) -> StepOutcome:
        inventory = inventory_for(
            context.project, python=context.python, environment=context.environment
        )
        context.shared["inventory"] = inventory
        components = inventory.components
        summary = {
            "components": len(components),
            "pinned": sum(1 for c in components if c.pinned),
            "unpinned": sum(1 for c in components if not c.pinned),
            "direct": len(inventory.direct_names),
            "edges": len(inventory.edges),
            "sources": [f"{s.kind.value}: {s.path}" for s in inventory.sources],
            "warnings": sum(1 for n in inventory.notices if n.level.value == "warning"),
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
                    {"components": len(components), "format": "CycloneDX 1.6 JSON"},
                ),
            ),
            inputs=tuple(f"{s.kind.value}:{s.path}:{s.sha256}" for s in inventory.sources),
            notes=tuple(notes),
        )


STEP = InventoryStep()
