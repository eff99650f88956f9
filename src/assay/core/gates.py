"""Readiness gates: their results, waivers, and the verdict they lead to."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from assay.core.evidence import EvidenceKind
from assay.core.exemptions import Exemption

__all__ = ["GateResult", "GateSpec", "GateStatus", "GatesOutcome", "Verdict", "verdict"]


class GateStatus(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"
    UNKNOWN = "unknown"
    """No evidence to judge by: counts as a failure for certification."""


class Verdict(enum.StrEnum):
    READY = "ready"
    NOT_READY = "not ready"


@dataclass(frozen=True)
class GateSpec:
    """One gate of the policy."""

    id: str
    title: str
    passes_when: str
    needs: tuple[EvidenceKind | str, ...]
    """Evidence kinds the gate reads."""


@dataclass(frozen=True)
class GateResult:
    """A gate judged against the evidence of one run."""

    gate: GateSpec
    status: GateStatus
    explanation: str
    measured: str | None = None
    threshold: str | None = None
    evidence: tuple[str, ...] = ()
    """Digests of the evidence used."""
    waiver: Exemption | None = None
    """The waiver in force, when the gate is waived."""
    expired_waivers: tuple[Exemption, ...] = field(default=())
    """Waivers of this gate that have expired and no longer apply."""
    judged: GateStatus | None = None
    """What the evidence alone said, when a waiver changed the status."""


def verdict(results: Sequence[GateResult]) -> Verdict:
    """Ready only when every gate passed or is waived; an empty policy is not ready."""
    if results and all(r.status in (GateStatus.PASS, GateStatus.WAIVED) for r in results):
        return Verdict.READY
    return Verdict.NOT_READY


@dataclass(frozen=True)
class GatesOutcome:
    run_id: str | None
    gates: tuple[GateResult, ...]
    verdict: Verdict
    policy_digest: str
    disabled: tuple[tuple[str, str], ...]
