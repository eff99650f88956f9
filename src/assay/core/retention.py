"""Retention: which evidence has outlived every policy that covers it, and which is held.
Pure: the services read the store, this decides, the services purge."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = [
    "TOMBSTONE_PREDICATE",
    "Decision",
    "Hold",
    "Kept",
    "Piece",
    "Plan",
    "Rule",
    "plan_retention",
]

TOMBSTONE_PREDICATE = "https://assay.dev/attestations/evidence-tombstone/v1"


class Decision(enum.StrEnum):
    KEEP = "keep"
    PURGE = "purge"
    HELD = "held"
    """Past its retention, but under a legal hold: never purged."""
    PURGED = "purged"
    """Already purged: only its tombstone is left."""


@dataclass(frozen=True)
class Rule:
    """A retention policy: the longest one that covers a piece of evidence wins."""

    name: str
    days: int
    kinds: tuple[str, ...] = ("*",)
    frameworks: tuple[str, ...] = ()
    scope: str = "all"
    """released, unreleased or all."""

    def covers(self, piece: Piece) -> bool:
        if "*" not in self.kinds and piece.kind not in self.kinds:
            return False
        if self.frameworks and not set(self.frameworks) & set(piece.frameworks):
            return False
        released = bool(piece.releases)
        return self.scope == "all" or (self.scope == "released") == released


@dataclass(frozen=True)
class Hold:
    id: str
    project: str
    release: str | None
    reason: str
    owner: str

    def holds(self, piece: Piece) -> bool:
        if piece.project != self.project:
            return False
        return self.release is None or self.release in piece.releases


@dataclass(frozen=True)
class Piece:
    """One stored piece of evidence, as retention sees it."""

    id: str
    project: str
    run: str
    kind: str
    sha256: str
    collected_at: datetime
    releases: tuple[str, ...] = ()
    """Names of the releases bound to its run."""
    frameworks: tuple[str, ...] = ()
    """Frameworks with a control mapped to its kind."""
    purged: bool = False


@dataclass(frozen=True)
class Kept:
    piece: Piece
    decision: Decision
    policy: str
    """The policy that decided (the longest that covers it), or '' when none does."""
    until: datetime | None
    reason: str


@dataclass(frozen=True)
class Plan:
    items: tuple[Kept, ...]

    def of(self, decision: Decision) -> tuple[Kept, ...]:
        return tuple(k for k in self.items if k.decision is decision)

    @property
    def blobs_to_delete(self) -> tuple[str, ...]:
        """Digests no kept, held or unpurged piece still needs: blobs are shared by
        content, so a blob goes only when every piece that names it goes."""
        needed = {
            k.piece.sha256 for k in self.items if k.decision in (Decision.KEEP, Decision.HELD)
        }
        going = {k.piece.sha256 for k in self.items if k.decision is Decision.PURGE}
        return tuple(sorted(going - needed))


def plan_retention(
    pieces: Iterable[Piece], rules: Sequence[Rule], holds: Sequence[Hold], now: datetime
) -> Plan:
    """Each piece kept (with the policy and date it is kept until), held, or purged. A piece
    no policy covers is kept: retention never deletes what nobody decided to delete."""
    items = []
    for piece in sorted(pieces, key=lambda p: (p.collected_at, p.id)):
        items.append(_decide(piece, rules, holds, now))
    return Plan(tuple(items))


def _decide(piece: Piece, rules: Sequence[Rule], holds: Sequence[Hold], now: datetime) -> Kept:
    if piece.purged:
        return Kept(piece, Decision.PURGED, "", None, "purged earlier; its tombstone remains")
    covering = [r for r in rules if r.covers(piece)]
    if not covering:
        return Kept(piece, Decision.KEEP, "", None, "no retention policy covers it")
    rule = max(covering, key=lambda r: (r.days, r.name))
    until = piece.collected_at + timedelta(days=rule.days)
    if until > now:
        return Kept(piece, Decision.KEEP, rule.name, until, f"kept until {until:%Y-%m-%d}")
    hold = next((h for h in holds if h.holds(piece)), None)
    if hold is not None:
        return Kept(
            piece,
            Decision.HELD,
            rule.name,
            until,
            f"retention ran out {until:%Y-%m-%d}, but legal hold {hold.id[:8]} "
            f"({hold.owner}: {hold.reason}) keeps it",
        )
    return Kept(
        piece,
        Decision.PURGE,
        rule.name,
        until,
        f"{rule.name}: {rule.days} days ran out {until:%Y-%m-%d}",
    )
