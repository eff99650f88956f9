"""Evaluation: every gate of a policy judged against the evidence, waivers applied."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from assay.core.exemptions import Exemption
from assay.core.gates import GateResult, GateStatus
from assay.core.policy.checks import CHECKS, _Reader, _Unknown
from assay.core.policy.model import AllOf, Check, Condition, EvidenceView, Gate, Judgement, Policy

__all__ = ["evaluate_policy"]


def evaluate_policy(
    policy: Policy, evidence: Sequence[EvidenceView], today: date
) -> tuple[GateResult, ...]:
    """Every gate of the policy judged at once, waivers applied."""
    by_kind: dict[str, list[EvidenceView]] = {}
    for view in evidence:
        by_kind.setdefault(view.kind, []).append(view)
    results = []
    for gate in policy.gates:
        reader = _Reader(by_kind)
        judgement = _evaluate(gate.condition, reader)
        results.append(_waive(gate, judgement, policy.waivers, today))
    return tuple(results)


def _evaluate(condition: Condition, reader: _Reader) -> Judgement:
    if isinstance(condition, Check):
        definition = CHECKS[condition.name]
        before = len(reader.used)
        try:
            judgement = definition.function(condition, reader)
        except _Unknown as exc:
            return Judgement(GateStatus.UNKNOWN, str(exc), evidence=tuple(reader.used[before:]))
        return Judgement(
            judgement.status,
            judgement.explanation,
            judgement.measured,
            judgement.threshold,
            tuple(dict.fromkeys(reader.used[before:])),
        )
    parts = [_evaluate(item, reader) for item in condition.items]
    statuses = [p.status for p in parts]
    if isinstance(condition, AllOf):
        if GateStatus.FAIL in statuses:
            status = GateStatus.FAIL
        elif GateStatus.UNKNOWN in statuses:
            status = GateStatus.UNKNOWN
        else:
            status = GateStatus.PASS
        shown = [p for p in parts if p.status is status] if status is not GateStatus.PASS else parts
    else:
        if GateStatus.PASS in statuses:
            status = GateStatus.PASS
            shown = [next(p for p in parts if p.status is GateStatus.PASS)]
        else:
            status = GateStatus.UNKNOWN if GateStatus.UNKNOWN in statuses else GateStatus.FAIL
            shown = parts
    return Judgement(
        status,
        "; ".join(p.explanation for p in shown),
        _join(p.measured for p in parts),
        _join(p.threshold for p in parts),
        tuple(dict.fromkeys(d for p in parts for d in p.evidence)),
    )


def _join(values: Any) -> str | None:
    present = [v for v in values if v]
    return "; ".join(present) if present else None


def _waive(
    gate: Gate, judgement: Judgement, waivers: Sequence[Exemption], today: date
) -> GateResult:
    mine = [w for w in waivers if w.subject == gate.spec.id]
    expired = tuple(w for w in mine if not w.active(today))
    active = next((w for w in sorted(mine, key=lambda w: w.expires) if w.active(today)), None)
    status, judged, explanation = judgement.status, None, judgement.explanation
    if active is not None and status in (GateStatus.FAIL, GateStatus.UNKNOWN):
        judged, status = status, GateStatus.WAIVED
        ticket = f", {active.ticket}" if active.ticket else ""
        explanation = (
            f"waived by {active.owner} until {active.expires.isoformat()}{ticket}: "
            f"{active.reason} (judged {judged.value}: {judgement.explanation})"
        )
    elif expired and status is not GateStatus.PASS:
        last = max(expired, key=lambda w: w.expires)
        explanation += f" (the waiver by {last.owner} expired on {last.expires.isoformat()})"
    return GateResult(
        gate=gate.spec,
        status=status,
        explanation=explanation,
        measured=judgement.measured,
        threshold=judgement.threshold,
        evidence=judgement.evidence,
        waiver=active if status is GateStatus.WAIVED else None,
        expired_waivers=expired,
        judged=judged,
    )
