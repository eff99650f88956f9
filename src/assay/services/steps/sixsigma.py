"""Certify step: the run's DPMO, sigma level and yields under the defect model."""

from __future__ import annotations

import json

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.services.sixsigma import quality_of
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "SixSigmaStep"]

MEDIA_TYPE = "application/vnd.assay.sixsigma+json"


class SixSigmaStep(Step):
    name = "sixsigma"
    title = "DPMO and sigma level"
    order = 85  # after every evidence it counts, claims included

    def run(self, context: StepContext) -> StepOutcome:
        quality = quality_of(context.ctx, context.shared.get("summaries", {}))
        if not quality.stages:
            return StepOutcome(skipped="no measured evidence with opportunities to count")
        # sigma_level is a finite number or null (no defect: no finite level), so every
        # document stays strict JSON; sigma_level_text says it in words either way.
        summary: dict[str, object] = {
            "opportunities": quality.opportunities,
            "defects": quality.defects,
            "dpmo": round(quality.dpmo or 0.0, 3),
            "sigma_level": round(quality.sigma, 3) if quality.sigma is not None else None,
            "sigma_level_text": quality.sigma_text,
            "rolled_throughput_yield": round(quality.rolled_throughput_yield or 0.0, 6),
            "shift": quality.shift,
        }
        notes = [
            f"DPMO {quality.dpmo or 0.0:,.1f}, sigma level {quality.sigma_text} (with a "
            f"{quality.shift:g} shift), over {quality.opportunities:,.0f} opportunities in "
            + ", ".join(s.name for s in quality.stages)
        ]
        if quality.missing:
            notes.append(f"not counted (not measured in this run): {', '.join(quality.missing)}")
        body = {
            **summary,
            "stages": [
                {"name": s.name, "opportunities": s.opportunities, "defects": s.defects}
                for s in quality.stages
            ],
            "not_counted": list(quality.missing),
        }
        data = (json.dumps(body, indent=2, sort_keys=True, allow_nan=False) + "\n").encode()
        item = EvidenceItem(EvidenceKind.SIXSIGMA, MEDIA_TYPE, data, summary)
        return StepOutcome(evidence=(item,), notes=tuple(notes))


STEP = SixSigmaStep()
