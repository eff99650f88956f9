"""Certify step: health, readiness and metrics endpoints, alert rules, logging (PROD-008)."""

from __future__ import annotations

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.core.monitoring import monitoring_problems
from assay.services.checks import MONITORING_MEDIA_TYPE, check_monitoring, monitoring_document
from assay.services.steps.interface import Step, StepContext, StepOutcome

__all__ = ["STEP", "MonitoringStep"]


class MonitoringStep(Step):
    name = "monitoring"
    title = "Monitoring readiness"
    order = 55

    def run(self, context: StepContext) -> StepOutcome:
        facts = check_monitoring(context.project)
        problems = monitoring_problems(facts)
        summary: dict[str, object] = {
            "probes": sorted(facts.probes),
            "instrumentation": list(facts.instrumentation),
            "alert_rule_files": len(facts.alert_rule_files),
            "alerting_rules": facts.alerting_rules,
            "alert_rules_valid": not facts.alert_rule_errors,
            "structured_logging": bool(facts.structured_logging),
            "problems": len(problems),
        }
        notes = [f"{kind}: {', '.join(routes)}" for kind, routes in facts.probes.items()]
        if facts.alert_rule_files:
            notes.append(
                f"{facts.alerting_rules} alerting and {facts.recording_rules} recording rules "
                f"in {len(facts.alert_rule_files)} file(s)"
            )
        notes += problems
        item = EvidenceItem(
            EvidenceKind.MONITORING,
            MONITORING_MEDIA_TYPE,
            monitoring_document(facts).encode(),
            summary,
        )
        return StepOutcome(evidence=(item,), notes=tuple(notes))


STEP = MonitoringStep()
