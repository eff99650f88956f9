"""The default policy: the gates a project gets when its assay.toml declares none."""

from __future__ import annotations

from assay.core.evidence import EvidenceKind
from assay.core.gates import GateSpec
from assay.core.policy.checks import needs_of
from assay.core.policy.model import AllOf, Check, Condition, Gate, Policy

__all__ = ["DEFAULT_POLICY"]

K = EvidenceKind


def _gate(id: str, title: str, passes_when: str, condition: Condition) -> Gate:
    return Gate(GateSpec(id, title, passes_when, needs_of(condition)), condition)


DEFAULT_POLICY = Policy(
    gates=(
        _gate(
            "PROD-001",
            "functional completeness",
            "all collected tests pass; no stubs in shipped code",
            AllOf((Check("tests-pass"), Check("no-stubs"))),
        ),
        _gate(
            "PROD-002",
            "performance",
            "benchmark regression against the baseline run at most 4.7%",
            Check("benchmark-regression"),
        ),
        _gate(
            "PROD-003",
            "security",
            "no unsuppressed critical or high vulnerability; no secrets in the tree",
            AllOf((Check("vulnerabilities"), Check("no-secrets"))),
        ),
        _gate(
            "PROD-004",
            "code quality",
            "adapted Power-of-Ten compliance at least 95% of functions",
            Check("power-of-ten"),
        ),
        _gate(
            "PROD-005",
            "integration",
            "integration tests present and passing; provenance verifies",
            AllOf((Check("integration-tests-pass"), Check("provenance-verifies"))),
        ),
        _gate(
            "PROD-006",
            "scalability",
            "load-test results meet the declared latency and throughput targets",
            Check("slo-met"),
        ),
        _gate(
            "PROD-007",
            "documentation",
            "README and API docs present; public API docstring coverage threshold",
            Check("documentation"),
        ),
        _gate(
            "PROD-008",
            "monitoring",
            "health and metrics endpoints or alert rules declared and parseable",
            Check("monitoring"),
        ),
        _gate(
            "THEATER",
            "claims and test theater",
            "no contradicted claim in the declared completion reports; no test theater",
            AllOf((Check("no-contradicted-claims"), Check("no-test-theater"))),
        ),
    )
)
