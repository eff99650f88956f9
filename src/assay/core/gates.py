"""Readiness gates: the default policy, gate results and the verdict they lead to."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assay.core.evidence import EvidenceKind

__all__ = [
    "DEFAULT_GATES",
    "GateResult",
    "GateSpec",
    "GateStatus",
    "Verdict",
    "unevaluated",
    "verdict",
]


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
    needs: tuple[EvidenceKind, ...]
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


K = EvidenceKind
DEFAULT_GATES: tuple[GateSpec, ...] = (
    GateSpec(
        "PROD-001",
        "functional completeness",
        "all collected tests pass; no stubs in shipped code",
        (K.TESTS, K.THEATER),
    ),
    GateSpec(
        "PROD-002",
        "performance",
        "benchmark regression against the baseline run at most 4.7%",
        (K.BENCHMARKS, K.PERFORMANCE),
    ),
    GateSpec(
        "PROD-003",
        "security",
        "no unsuppressed critical or high vulnerability; no secrets in the tree",
        (K.INVENTORY, K.VULNERABILITIES, K.SECRETS),
    ),
    GateSpec(
        "PROD-004",
        "code quality",
        "adapted Power-of-Ten compliance at least 95% of functions",
        (K.STATIC_ANALYSIS,),
    ),
    GateSpec(
        "PROD-005",
        "integration",
        "integration tests present and passing; provenance verifies",
        (K.INTEGRATION, K.PROVENANCE),
    ),
    GateSpec(
        "PROD-006",
        "scalability",
        "load-test results meet the declared latency and throughput targets",
        (K.LOAD_TESTS,),
    ),
    GateSpec(
        "PROD-007",
        "documentation",
        "README and API docs present; public API docstring coverage threshold",
        (K.DOCUMENTATION,),
    ),
    GateSpec(
        "PROD-008",
        "monitoring",
        "health and metrics endpoints or alert rules declared and parseable",
        (K.MONITORING,),
    ),
    GateSpec(
        "THEATER",
        "claims and test theater",
        "no contradicted claim in the declared completion reports; no test theater",
        (K.CLAIMS, K.THEATER),
    ),
)


def unevaluated(gates: Sequence[GateSpec], collected: Iterable[str]) -> list[GateResult]:
    """Results for gates that this version of Assay cannot judge yet: all ``unknown``.

    The explanation names the evidence the gate needs and which of it is still missing,
    so nobody mistakes an unjudged gate for a passed one.
    """
    have = set(collected)
    results = []
    for gate in gates:
        missing = [k.value for k in gate.needs if k.value not in have]
        if missing:
            why = f"no evidence: needs {', '.join(missing)}, which this run did not collect"
        else:
            why = "evidence collected, but this version of Assay has no evaluator for the gate"
        results.append(GateResult(gate, GateStatus.UNKNOWN, why))
    return results


def verdict(results: Sequence[GateResult]) -> Verdict:
    """Ready only when every gate passed or is waived; an empty policy is not ready."""
    if results and all(r.status in (GateStatus.PASS, GateStatus.WAIVED) for r in results):
        return Verdict.READY
    return Verdict.NOT_READY
