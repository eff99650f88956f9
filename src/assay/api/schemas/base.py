"""What the bodies of /api/v1 share: strict request bodies, pages of items."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Page"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Page(BaseModel):
    items: list[Any]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page."
    )
