"""Bodies of hand-offs: creating one, its context and criteria, submitting, reviewing."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assay.api.schemas.base import Page, _Strict
from assay.services.handoffs import (
    CONTEXT_MAX_BYTES,
    ITEM_MAX_CHARS,
    MAX_CRITERIA,
    MAX_ITEMS,
    MAX_REVIEWERS,
    HandoffView,
)

__all__ = [
    "Criterion",
    "Digest",
    "Handoff",
    "HandoffContext",
    "HandoffCreate",
    "HandoffPage",
    "HandoffSummary",
    "Item",
    "Name",
    "Note",
    "OverdueHandoff",
    "Review",
    "Submit",
]


class Criterion(_Strict):
    check: Literal["tests_pass", "coverage_at_least", "no_contradicted_claims", "gate_passes"]
    value: float | None = Field(default=None, ge=0, le=100)
    gate: str | None = Field(default=None, max_length=60)


Item = Annotated[str, Field(max_length=ITEM_MAX_CHARS)]
"""One open item, link, or artifact field of a hand-off's context."""
Name = Annotated[str, Field(min_length=1, max_length=200)]
Digest = Annotated[str, Field(min_length=1, max_length=100)]


class HandoffContext(BaseModel):
    """Named lists, each bounded; further keys are kept as given, and the whole context
    is at most ``CONTEXT_MAX_BYTES`` as JSON."""

    model_config = ConfigDict(extra="allow")

    artifacts: list[dict[Annotated[str, Field(max_length=100)], Item]] = Field(
        default=[], max_length=MAX_ITEMS, description="Artifacts by name and SHA-256 digest."
    )
    evidence: list[Digest] = Field(
        default=[], max_length=MAX_ITEMS, description="Stored evidence by SHA-256."
    )
    open_items: list[Item] = Field(default=[], max_length=MAX_ITEMS)
    links: list[Item] = Field(default=[], max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _bounded(self) -> HandoffContext:
        size = len(json.dumps(self.model_dump(mode="json"), separators=(",", ":")))
        if size > CONTEXT_MAX_BYTES:
            raise ValueError(
                f"the context is {size} bytes as JSON; at most {CONTEXT_MAX_BYTES} are kept "
                "(name large artifacts by digest instead)"
            )
        return self


class HandoffCreate(_Strict):
    title: str = Field(min_length=1, max_length=300)
    summary: str = Field(default="", max_length=10000)
    assignee: str | None = Field(default=None, max_length=200)
    assignee_role: str | None = Field(default=None, max_length=60)
    project: str | None = Field(
        default=None,
        max_length=200,
        description="Required: the project whose evidence the criteria are judged on.",
    )
    context: HandoffContext = HandoffContext()
    criteria: list[Criterion] = Field(
        default=[],
        max_length=MAX_CRITERIA,
        description="Required: at least one acceptance check.",
    )
    reviewers: list[Name] = Field(
        default=[],
        max_length=MAX_REVIEWERS,
        description="Principals who may review the submission, besides the one offering it.",
    )
    due: datetime | None = None


class Submit(_Strict):
    run: str | None = Field(default=None, max_length=64)
    evidence: list[Digest] = Field(default=[], max_length=100)
    note: str = Field(default="", max_length=10000)


class Review(_Strict):
    decision: Literal["approve", "request_changes"]
    note: str = Field(default="", max_length=10000)


class Note(_Strict):
    note: str = Field(default="", max_length=10000)


class Handoff(BaseModel):
    id: str
    project: str | None
    title: str
    summary: str
    context: dict[str, Any]
    criteria: list[dict[str, Any]]
    created_by: str
    assignee: str | None
    assignee_role: str | None
    reviewers: list[str]
    accepted_by: str | None
    state: str
    version: int
    due: datetime | None
    created_at: datetime
    updated_at: datetime
    submitted_by: str | None
    submission: dict[str, Any] | None
    review_note: str | None
    overdue: bool

    @classmethod
    def of(cls, view: HandoffView) -> Handoff:
        return cls(**{name: getattr(view, name) for name in cls.model_fields})


class HandoffPage(Page):
    items: list[Handoff]


class OverdueHandoff(BaseModel):
    id: str
    title: str
    state: str
    assignee: str
    due: datetime | None


class HandoffSummary(BaseModel):
    counts: dict[str, int]
    open: int
    overdue: list[OverdueHandoff]
