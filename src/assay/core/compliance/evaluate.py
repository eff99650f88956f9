"""Judge each control of a catalog against a release's facts. Pure."""

from __future__ import annotations

from collections.abc import Iterable

from assay.core.compliance.model import (
    Catalog,
    Control,
    ControlState,
    ControlStatus,
    Facts,
    NotApplicable,
    Proof,
    Requirement,
)

__all__ = ["UNMAPPED", "evaluate"]

UNMAPPED = (
    "no Assay evidence is mapped to this control (map it in assay.toml or mark it not applicable)"
)


def evaluate(
    catalog: Catalog,
    requirements: Iterable[Requirement],
    not_applicable: Iterable[NotApplicable],
    facts: Facts,
) -> tuple[ControlStatus, ...]:
    """Every control of ``catalog`` in catalog order. A later requirement for the same
    control replaces an earlier one (so assay.toml overrides the defaults)."""
    needs = {r.control: r for r in requirements if r.framework == catalog.framework}
    excused = {n.control: n for n in not_applicable if n.framework == catalog.framework}
    return tuple(_judge(c, needs.get(c.id), excused.get(c.id), facts) for c in catalog.controls)


def _judge(
    control: Control, need: Requirement | None, excused: NotApplicable | None, facts: Facts
) -> ControlStatus:
    if excused is not None:
        return ControlStatus(
            control, ControlState.NOT_APPLICABLE, False, justification=excused.justification
        )
    if need is None:
        return ControlStatus(control, ControlState.MISSING, False, missing=(UNMAPPED,))
    proofs: list[Proof] = []
    missing: list[str] = []
    for kind in need.evidence:
        found = [e for e in facts.evidence if e.kind == kind]
        good = [e for e in found if e.problem is None]
        if good:
            proofs.extend(Proof("evidence", kind, e.id, e.sha256) for e in good)
        elif found:
            missing.append(f"{kind} evidence does not verify: {found[0].problem}")
        else:
            missing.append(f"no {kind} evidence in the run")
    for gate in need.gates:
        status = facts.gates.get(gate)
        if status == "pass":
            proofs.append(Proof("gate", gate, gate))
        else:
            missing.append(f"gate {gate} is {status or 'not judged'}, not pass")
    for record in need.records:
        shown = facts.records.get(record)
        if shown:
            proofs.append(Proof("record", record, shown))
        else:
            reason = facts.why_not.get(record) or _RECORD_MISSING.get(record)
            missing.append(reason or f"no {record} record")
    wanted = len(need.evidence) + len(need.gates) + len(need.records)
    if not missing:
        state = ControlState.SATISFIED
    elif len(missing) < wanted:
        state = ControlState.PARTIAL
    else:
        state = ControlState.MISSING
    return ControlStatus(
        control, state, need.required, tuple(proofs), tuple(missing), note=need.note
    )


_RECORD_MISSING = {
    "signoffs": "the release's sign-off quorum is not met",
    "certificate": "the release has no valid readiness certificate",
    "audit": "the audit log does not verify",
}
