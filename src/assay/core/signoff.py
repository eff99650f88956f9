"""Sign-off rules: quorum per role, separation of duties, expiry, voiding, rejections and
conditions. Pure functions of the recorded sign-offs and the release's evidence digest."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "Decision",
    "OpenCondition",
    "RoleState",
    "Signoff",
    "missing_signoffs",
    "refusal",
    "role_states",
]


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    CONDITIONAL = "conditional"
    """Approve, provided a condition is met by its due date."""


@dataclass(frozen=True)
class Signoff:
    role: str
    signer: str
    decision: Decision
    condition: str | None
    due: date | None
    evidence_digest: str
    signed_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class OpenCondition:
    role: str
    signer: str
    text: str
    due: date
    overdue: bool


@dataclass(frozen=True)
class RoleState:
    role: str
    needed: int
    approved_by: tuple[str, ...]
    """Signers whose latest valid decision approves (with or without a condition)."""
    rejected_by: tuple[str, ...]
    """Signers whose latest valid decision rejects: the role is blocked."""
    expired: tuple[str, ...]
    """Signers whose latest sign-off has expired."""
    void: tuple[str, ...]
    """Signers whose latest sign-off approved other evidence than the release's now."""
    conditions: tuple[OpenCondition, ...]

    @property
    def satisfied(self) -> bool:
        overdue = any(c.overdue for c in self.conditions)
        return len(self.approved_by) >= self.needed and not self.rejected_by and not overdue


def role_states(
    roles: Mapping[str, int], signoffs: Sequence[Signoff], evidence_digest: str, now: datetime
) -> tuple[RoleState, ...]:
    """Where each required role stands. Each signer's latest sign-off for the role counts;
    it is void when it approved other evidence, expired after its time."""
    states = []
    for role, needed in roles.items():
        latest: dict[str, Signoff] = {}
        for entry in sorted(signoffs, key=lambda s: s.signed_at):
            if entry.role == role:
                latest[entry.signer] = entry
        approved, rejected, expired, void, conditions = [], [], [], [], []
        for signer, entry in sorted(latest.items()):
            if entry.evidence_digest != evidence_digest:
                void.append(signer)
            elif entry.expires_at <= now:
                expired.append(signer)
            elif entry.decision is Decision.REJECT:
                rejected.append(signer)
            else:
                approved.append(signer)
                if entry.decision is Decision.CONDITIONAL and entry.due and entry.condition:
                    overdue = entry.due < now.date()
                    conditions.append(
                        OpenCondition(role, signer, entry.condition, entry.due, overdue)
                    )
        states.append(
            RoleState(
                role,
                needed,
                tuple(approved),
                tuple(rejected),
                tuple(expired),
                tuple(void),
                tuple(conditions),
            )
        )
    return tuple(states)


def missing_signoffs(states: Sequence[RoleState]) -> list[str]:
    """What stands between the release and a complete set of sign-offs, one line each."""
    lines = []
    for state in states:
        if state.rejected_by:
            lines.append(
                f"{state.role}: rejected by {', '.join(state.rejected_by)}; blocked until "
                "that signer signs again"
            )
        for condition in state.conditions:
            if condition.overdue:
                lines.append(
                    f"{state.role}: condition of {condition.signer} was due "
                    f"{condition.due.isoformat()}: {condition.text}"
                )
        short = state.needed - len(state.approved_by)
        if short > 0:
            have = f"{len(state.approved_by)} of {state.needed} approvals"
            extra = []
            if state.void:
                extra.append(f"void after new evidence: {', '.join(state.void)}")
            if state.expired:
                extra.append(f"expired: {', '.join(state.expired)}")
            lines.append(f"{state.role}: {have}" + (f" ({'; '.join(extra)})" if extra else ""))
    return lines


def refusal(
    role: str, signer: str, signoffs: Sequence[Signoff], run_author: str | None
) -> str | None:
    """Why ``signer`` may not sign ``role`` on this release, or None when they may."""
    if run_author and signer.casefold() == run_author.casefold():
        return (
            f"{signer} ran the certify run this release is bound to; the author of the "
            "evidence does not sign it off"
        )
    other = sorted({s.role for s in signoffs if s.signer.casefold() == signer.casefold()} - {role})
    if other:
        return (
            f"{signer} already signed this release as {other[0]}; one signer holds one role "
            "per release"
        )
    return None
