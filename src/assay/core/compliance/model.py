"""Compliance as data: control catalogs, the evidence each control needs, and the state of
each control for one release. Pure types; catalogs are loaded by the services."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "RECORDS",
    "Catalog",
    "ComplianceStatus",
    "Control",
    "ControlState",
    "ControlStatus",
    "EvidenceRef",
    "Facts",
    "NotApplicable",
    "Proof",
    "Requirement",
    "Subject",
]

RECORDS = ("signoffs", "certificate", "audit")
"""Release records a control may need besides evidence: the sign-off quorum is met, a
valid readiness certificate exists, the audit log verifies."""


class ControlState(enum.StrEnum):
    SATISFIED = "satisfied"
    """Everything the control's mapping names is there and verified."""
    PARTIAL = "partial"
    """Some of it is there; the rest is listed as missing."""
    MISSING = "missing"
    """Nothing the mapping names is there, or nothing is mapped."""
    NOT_APPLICABLE = "not-applicable"
    """Declared not applicable, with a justification."""


@dataclass(frozen=True)
class Control:
    framework: str
    id: str
    title: str
    group: str = ""
    group_title: str = ""
    oscal_id: str = ""
    """The control's id in the framework's own OSCAL catalog, where it differs (NIST's
    SP 800-53 catalog spells SA-11 as sa-11): what OSCAL exports reference."""


@dataclass(frozen=True)
class Catalog:
    """One framework's controls, with where they come from."""

    framework: str
    title: str
    version: str
    published: str
    source: str
    controls: tuple[Control, ...]

    def control(self, ident: str) -> Control | None:
        return next((c for c in self.controls if c.id == ident), None)


@dataclass(frozen=True)
class Requirement:
    """What satisfies one control: evidence kinds present and verified, gates that pass,
    release records that hold. ``required`` controls decide the exit status."""

    framework: str
    control: str
    evidence: tuple[str, ...] = ()
    gates: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    note: str = ""
    required: bool = True


@dataclass(frozen=True)
class NotApplicable:
    framework: str
    control: str
    justification: str


@dataclass(frozen=True)
class EvidenceRef:
    """One piece of the run's evidence; ``problem`` says why it does not count."""

    kind: str
    id: str
    sha256: str
    problem: str | None = None


@dataclass(frozen=True)
class Facts:
    """What a release has: its run's evidence, its gate outcomes, its records."""

    evidence: tuple[EvidenceRef, ...] = ()
    gates: Mapping[str, str] = field(default_factory=dict)
    """Gate id -> status (pass, fail, unknown, waived, disabled)."""
    records: Mapping[str, str | None] = field(default_factory=dict)
    """Record name -> what shows it (an id or digest), or None when it does not hold."""
    why_not: Mapping[str, str] = field(default_factory=dict)
    """Record name -> why it does not hold, where that is not the usual reason."""


@dataclass(frozen=True)
class Proof:
    """One thing that counts towards a control: ``what`` is evidence, gate or record."""

    what: str
    name: str
    ident: str
    sha256: str = ""


@dataclass(frozen=True)
class ControlStatus:
    control: Control
    state: ControlState
    required: bool
    proofs: tuple[Proof, ...] = ()
    missing: tuple[str, ...] = ()
    justification: str = ""
    note: str = ""

    @property
    def failing(self) -> bool:
        return self.required and self.state in (ControlState.MISSING, ControlState.PARTIAL)


@dataclass(frozen=True)
class Subject:
    """The release a status is about."""

    project: str
    release: str
    run: str
    evidence_digest: str
    commit: str | None = None


@dataclass(frozen=True)
class ComplianceStatus:
    catalog: Catalog
    subject: Subject
    controls: tuple[ControlStatus, ...]
    assessed_at: str
    """ISO 8601 time the facts were read (the run's finish, for a reproducible package)."""

    def count(self, state: ControlState) -> int:
        return sum(1 for c in self.controls if c.state is state)

    @property
    def failing(self) -> tuple[ControlStatus, ...]:
        return tuple(c for c in self.controls if c.failing)
