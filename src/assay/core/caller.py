"""Who is calling a service: the name the caller acts under and the token it presented."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Caller"]


@dataclass(frozen=True)
class Caller:
    """The acting principal as the front end knows it.

    ``name`` is the principal the caller says it is (the command line's ASSAY_PRINCIPAL or
    git user, an API request's authenticated principal); ``token`` is the API token it
    presented, if any, which identifies it and limits it to the token's scopes. The
    services authorise every operation from these two."""

    name: str
    token: str | None = None
