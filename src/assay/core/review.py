"""Re-certification: when a readiness certificate is due for review, and which conditions
of its conditional sign-offs are overdue. Pure functions of the certificate's predicate
and the moment of judgement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "OverdueCondition",
    "ReviewState",
    "due_note",
    "next_review_of",
    "review_state",
]


@dataclass(frozen=True)
class OverdueCondition:
    role: str
    signer: str
    text: str
    due: date

    def describe(self) -> str:
        return (
            f"condition of {self.signer} ({self.role}) overdue since "
            f"{self.due.isoformat()}: {self.text}"
        )


@dataclass(frozen=True)
class ReviewState:
    next_review: datetime | None
    """When the certificate's next review is due; None when it names none."""
    due_since: date | None
    """The day the review fell due, once ``now`` is past it; None before."""
    overdue: tuple[OverdueCondition, ...]
    """Conditions of conditional sign-offs whose due date has passed."""

    @property
    def review_due(self) -> bool:
        return self.due_since is not None


def next_review_of(predicate: Mapping[str, Any]) -> datetime | None:
    """The predicate's ``next_review`` as a moment (a time without a zone is read as UTC:
    the review is advisory), or None when it has none or it is not a time."""
    raw = predicate.get("next_review")
    if not isinstance(raw, str):
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def review_state(predicate: Mapping[str, Any], now: datetime) -> ReviewState:
    """Where a certificate stands at ``now``: due for review once ``now`` is past its
    ``next_review``; a condition is overdue once its due date is before ``now``'s date (as
    for the sign-offs of a release). Raises ValueError for a condition that is not an
    object with a role, a signer, a text and a due date: a condition is enforced, so one
    that cannot be read does not pass."""
    review = next_review_of(predicate)
    due_since = review.date() if review is not None and now > review else None
    return ReviewState(review, due_since, _overdue(predicate.get("conditions"), now))


def due_note(since: date, release: str) -> str:
    return f"due for review since {since.isoformat()}: renew with assay certificate renew {release}"


def _overdue(conditions: Any, now: datetime) -> tuple[OverdueCondition, ...]:
    if conditions is None:
        return ()
    if not isinstance(conditions, list):
        raise ValueError("conditions is not a list")
    found = []
    for entry in conditions:
        if not isinstance(entry, dict):
            raise ValueError("a condition is not an object")
        try:
            due = date.fromisoformat(str(entry.get("due")))
        except ValueError as exc:
            raise ValueError(
                f"the due date of a condition is not a date: {entry.get('due')}"
            ) from exc
        if due < now.date():
            role, signer = str(entry.get("role", "")), str(entry.get("signer", ""))
            found.append(OverdueCondition(role, signer, str(entry.get("condition", "")), due))
    return tuple(found)
