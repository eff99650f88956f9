"""A Six Sigma report: the quality of each run and the control chart signals over them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assay.core.defects import RunQuality
from assay.core.sixsigma import Capability, ControlLimits, Signal

__all__ = ["RunPoint", "SixSigmaReport"]


@dataclass(frozen=True)
class RunPoint:
    run: str
    started_at: datetime
    quality: RunQuality
    summaries: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class SixSigmaReport:
    project: str
    shift: float
    points: tuple[RunPoint, ...]
    defect_signals: tuple[Signal, ...]
    metric: str | None
    metric_values: tuple[float, ...]
    metric_runs: tuple[str, ...]
    limits: ControlLimits | None
    moving_range_limits: ControlLimits | None
    metric_signals: tuple[Signal, ...]
    capability: Capability | None
    notes: tuple[str, ...]
