"""The error responses every route may give, for the OpenAPI document: RFC 9457 problem
documents with a stable ``type`` per error."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["READ", "WRITE", "Problem"]


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the error; stable per kind of error.")
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None = None
    hint: str | None = None
    errors: list[dict[str, str]] | None = Field(
        default=None, description="Validation errors: every bad field and its problem."
    )
    incident: str | None = Field(default=None, description="423: the lockdown's incident.")


def _problem(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


READ: dict[int | str, dict[str, Any]] = {
    400: _problem("Bad input"),
    401: _problem("No API token, or one unknown, expired or revoked"),
    403: _problem("The token's principal may not do this"),
    404: _problem("No such resource"),
    422: _problem("The request is not valid; every bad field is listed"),
    429: _problem("Too many requests with this token; see Retry-After"),
    503: _problem("The store is unavailable"),
}
WRITE: dict[int | str, dict[str, Any]] = READ | {
    409: _problem("The resource's state does not allow this, or an idempotency key clash"),
    412: _problem("If-Match does not match the current ETag: read again and retry"),
    423: _problem("A lockdown freezes this operation; the problem names its incident"),
}
