"""Evidence: the measured facts a run collects, before and after they are stored."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assay.core.ids import EvidenceId, RunId

__all__ = ["EvidenceItem", "EvidenceKind", "EvidenceRecord"]


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
