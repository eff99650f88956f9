"""The certify step: reads the project and produces one or more kinds of evidence."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assay.core.evidence import EvidenceItem
from assay.services.context import Context
from assay.settings import Settings, VulnerabilitySource

__all__ = ["Step", "StepContext", "StepOutcome"]


@dataclass(frozen=True)
class StepContext:
    """What a step may look at."""

    project: Path
    ctx: Context
    python: str | None = None
    """Interpreter to inventory (``--python``)."""
    environment: bool = False
    """Inventory the installed environment rather than lock files."""
    vulnerability_source: VulnerabilitySource | None = None
    """``--offline``/``--online``; None: ``[vulnerabilities] source`` decides."""
    shared: dict[str, Any] = field(default_factory=dict)
    """What earlier steps computed, for later ones (``inventory``: the Inventory)."""

    @property
    def settings(self) -> Settings:
        return self.ctx.settings


@dataclass(frozen=True)
class StepOutcome:
    """What a step found."""

    evidence: tuple[EvidenceItem, ...] = ()
    inputs: tuple[str, ...] = ()
    """Digests of what the step read (``kind:path:sha256``); they make the run's inputs digest."""
    notes: tuple[str, ...] = ()
    """Sentences for the report: sources used, unpinned lines, files skipped."""
    skipped: str | None = None
    """Why the step did not apply to this project, when it did not."""


class Step(abc.ABC):
    """One kind of evidence collection in ``assay certify``.

    Add a step by adding a module to ``assay.services.steps`` that defines ``STEP``.
    """

    name: str
    """Short stable identifier, for example ``inventory``."""
    title: str
    """What the progress display shows while it runs."""
    order: int = 100
    """Steps run in ascending order; steps that others read come first."""

    @abc.abstractmethod
    def run(self, context: StepContext) -> StepOutcome:
        """Collect the evidence; raise an AssayError on bad input."""
