"""What every /api/v1 route shares: the calling principal (bearer token), the per-token
rate limit, idempotency keys and If-Match preconditions."""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from assay.core.access import bearer_token
from assay.core.caller import Caller as Principal
from assay.errors import AssayError, PreconditionFailed
from assay.services import idempotency
from assay.services.access import identify
from assay.services.context import Context
from assay.settings import Settings

__all__ = [
    "BEARER_SCHEME",
    "Caller",
    "CurrentCaller",
    "IdempotencyKey",
    "IfMatch",
    "RateLimited",
    "app_settings",
    "created",
    "if_match",
    "in_writer",
    "now",
]

T = TypeVar("T")

BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token from `assay token issue` (admins issue them).",
}
"""The OpenAPI security scheme of every /api/v1 operation (see ``server``)."""


class RateLimited(AssayError):
    """Too many requests with one token; retry after ``retry_after`` seconds."""

    exit_code = 1

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, hint=f"retry after {retry_after} s")
        self.retry_after = retry_after


_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assay-writer")


async def in_writer(ctx: Context, work: Callable[[], T]) -> T:
    """Run a state change: on SQLite on the process's one writer thread, on PostgreSQL on
    the event loop, as the reads are.

    SQLite has one write lock, which another command may hold for a while: writers wait
    for it on their thread while the event loop goes on answering. One thread, not the
    shared pool, spares the lock holder from competing for the interpreter with a crowd
    of waiting writers (hand-off transitions ran about 1.5 times faster). On PostgreSQL a
    change locks only the rows it touches, for a few round trips, and the hop to a thread
    cost more than it saved: measured by bench/api.py, about a quarter fewer writes a
    second."""
    if not ctx.settings.store_url.startswith("sqlite"):
        return work()
    context = contextvars.copy_context()  # the request's identity goes with it
    return await asyncio.get_running_loop().run_in_executor(_WRITER, context.run, work)


def now() -> datetime:
    return datetime.now(UTC)


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@dataclass(frozen=True)
class Caller:
    """The principal behind the bearer token, and the context the services get for it
    (the app's store, the request's caller), so that they authorise each operation as
    for any other front end."""

    name: str
    kind: str
    roles: tuple[str, ...]
    ctx: Context


class _Buckets:
    """Token buckets per API token: ``burst`` requests at once, refilled at ``per_minute``."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.levels: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when a request may go now, else the seconds until one may."""
        moment = time.monotonic()
        with self.lock:
            level, last = self.levels.get(key, (self.burst, moment))
            level = min(self.burst, level + (moment - last) * self.rate)
            if level >= 1:
                self.levels[key] = (level - 1, moment)
                return 0.0
            self.levels[key] = (level, moment)
            return (1 - level) / self.rate


def _buckets(request: Request) -> _Buckets | None:
    settings = app_settings(request).server
    if settings.rate_limit_per_minute == 0:
        return None
    buckets: _Buckets | None = getattr(request.app.state, "buckets", None)
    if buckets is None:
        buckets = _Buckets(settings.rate_limit_per_minute, settings.rate_limit_burst)
        request.app.state.buckets = buckets
    return buckets


async def caller(request: Request) -> Caller:
    """401 without a valid token; 429 past the token's rate limit.

    Identifying the token is one indexed read, made on the event loop rather than in a
    worker thread: a read never waits for a lock (SQLite in WAL mode, PostgreSQL), and a
    thread hop costs more than the read. The header is read here, not through FastAPI's
    HTTPBearer: as a dependency of its own it cost a twentieth of a hand-off read
    (callgrind: 83,000 of 1.48 million instructions); the OpenAPI document still
    declares the scheme (``server``)."""
    settings = app_settings(request)
    context: Context = request.app.state.context
    token = bearer_token(request.headers.get("authorization"))
    request.state.token_given = token is not None
    who = identify(context, token, now())
    buckets = _buckets(request)
    if buckets is not None and token:
        wait = buckets.take(hashlib.sha256(token.encode()).hexdigest())
        if wait > 0:
            retry = max(1, math.ceil(wait))
            raise RateLimited(
                f"{who.name} made more than {settings.server.rate_limit_per_minute} "
                "requests a minute",
                retry_after=retry,
            )
    request.state.principal = who.name
    scoped = context.acting_as(Principal(who.name, token))
    return Caller(who.name, who.kind, tuple(sorted(who.roles)), scoped)


CurrentCaller = Annotated[Caller, Depends(caller)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Send the same key again to get the first answer back, not a second "
        "creation (keys are per principal).",
        max_length=200,
    ),
]

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag last read: the change is refused with 412 if the resource "
        "has changed since.",
    ),
]


def if_match(value: str | None) -> str | None:
    """The entity tag of an If-Match header (None for none or ``*``). If-Match compares
    strongly (RFC 9110, 13.1.1): a weak tag (``W/"..."``) never matches, so a header of
    weak tags only is refused with 412, as a stale one is."""
    if value is None or value.strip() == "*":
        return None
    tags = [tag.strip() for tag in value.split(",") if tag.strip()]
    if not tags or any(
        len(tag.removeprefix("W/")) < 2
        or not (tag.removeprefix("W/").startswith('"') and tag.endswith('"'))
        for tag in tags
    ):
        raise PreconditionFailed(
            f"If-Match {value!r} is not an entity tag",
            hint='send the ETag exactly as read, quotes included: If-Match: "..."',
        )
    strong = [tag[1:-1] for tag in tags if not tag.startswith("W/")]
    if len(strong) != 1:
        raise PreconditionFailed(
            f"If-Match {value!r} holds {'no strong' if not strong else 'several'} entity "
            "tags: a change is made only on the exact state one strong tag names",
            hint='send the ETag of the state you read, as read: If-Match: "..."',
        )
    return strong[0]


def created(
    who: Caller,
    key: str | None,
    request: Request,
    payload: Any,
    make: Callable[[], Any],
    status: int = 201,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Run a creating request once per Idempotency-Key: a repeat gets the stored answer,
    the same key with another payload answers 409."""
    if key is None:
        return JSONResponse(jsonable_encoder(make()), status_code=status, headers=headers)
    canonical = json.dumps(jsonable_encoder(payload), sort_keys=True).encode()
    digest = idempotency.request_digest(request.method, request.url.path, canonical)
    replay = idempotency.begin(who.ctx, who.name, key, digest, now())
    if replay is not None:
        return JSONResponse(
            json.loads(replay.body),
            status_code=replay.status,
            headers={**(headers or {}), "Idempotent-Replayed": "true"},
        )
    try:
        body = jsonable_encoder(make())
    except BaseException:
        idempotency.forget(who.ctx, who.name, key)
        raise
    idempotency.finish(who.ctx, who.name, key, status, json.dumps(body))
    return JSONResponse(body, status_code=status, headers=headers)
