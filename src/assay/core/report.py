"""The readiness report of one run: what was collected, how each gate stands, the verdict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assay.core.evidence import EvidenceRecord
from assay.core.gates import GateResult, Verdict
from assay.core.ids import RunId

__all__ = ["RunReport", "StepReport"]


@dataclass(frozen=True)
class StepReport:
    name: str
    title: str
    seconds: float
    notes: tuple[str, ...] = ()
    skipped: str | None = None


@dataclass(frozen=True)
class RunReport:
    run_id: RunId
    project: str
    project_root: str
    commit: str | None
    dirty: bool | None
    started_at: datetime
    finished_at: datetime
    assay_version: str
    inputs_digest: str
    steps: tuple[StepReport, ...]
    evidence: tuple[EvidenceRecord, ...]
    gates: tuple[GateResult, ...]
    verdict: Verdict
    policy_digest: str = ""
    disabled_gates: tuple[tuple[str, str], ...] = ()
    """Gates the project's policy switches off, with the reason given."""
