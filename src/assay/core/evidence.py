"""Evidence: the measured facts a run collects, before and after they are stored."""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assay.core.ids import EvidenceId, RunId

__all__ = [
    "EvidenceItem",
    "EvidenceKind",
    "EvidenceRecord",
    "evidence_digest",
    "evidence_seal",
    "stored_payload",
]


class EvidenceKind(enum.StrEnum):
    """Kinds of evidence; gates name the kinds they read."""

    INVENTORY = "inventory"
    SBOM_CYCLONEDX = "sbom.cyclonedx"
    VULNERABILITIES = "vulnerabilities"
    TESTS = "tests"
    COVERAGE = "coverage"
    STATIC_ANALYSIS = "static-analysis"
    THEATER = "theater"
    SECRETS = "secrets"
    BENCHMARKS = "benchmarks"
    LOAD_TESTS = "load-tests"
    DOCUMENTATION = "documentation"
    MONITORING = "monitoring"
    PERFORMANCE = "performance"
    """Benchmarks compared with the baseline run."""
    INTEGRATION = "integration-tests"
    SIXSIGMA = "sixsigma"
    """DPMO, sigma level and yields of the run."""
    PROVENANCE = "provenance"
    CLAIMS = "claims"


@dataclass(frozen=True)
class EvidenceItem:
    """Evidence a step produced, not stored yet."""

    kind: EvidenceKind
    media_type: str
    data: bytes
    summary: dict[str, Any] = field(default_factory=dict)
    """Small, JSON-ready figures shown in reports (counts, sources)."""


@dataclass(frozen=True)
class EvidenceRecord:
    """Evidence as stored: its blob is addressed by ``sha256``."""

    id: EvidenceId
    run_id: RunId
    kind: str
    sha256: str
    media_type: str
    size: int
    collected_at: datetime
    summary: dict[str, Any]
    problem: str | None = None
    """Why this evidence may not be judged (its summary or blob changed after it was
    stored); gates read evidence with a problem as unknown, never as it reads."""


def evidence_seal(kind: str, sha256: str, summary: Any) -> str:
    """The SHA-256 over what a gate reads of one piece of evidence: its kind, its summary
    (canonical JSON) and its blob's digest. Stored in the evidence row and, through
    :func:`stored_payload`, in the audit entry that records the evidence."""
    body = {"kind": kind, "sha256": sha256, "summary": summary}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def stored_payload(evidence_id: str, run_id: str, kind: str, sha256: str, seal: str) -> Any:
    """The payload of the ``evidence.stored`` audit entry of one evidence row: everything
    the row holds that a gate relies on, so ``audit verify`` can recompute it from the row."""
    return {"evidence": evidence_id, "kind": kind, "run": run_id, "seal": seal, "sha256": sha256}


def evidence_digest(items: Sequence[tuple[str, str]]) -> str:
    """SHA-256 over the sorted ``kind:sha256`` lines of a run's evidence: what a release
    and its sign-offs are bound to."""
    lines = sorted(f"{kind}:{sha}" for kind, sha in items)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
