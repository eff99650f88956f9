"""The server's outermost layer, as plain ASGI (cheaper per request than Starlette's
BaseHTTPMiddleware): a request id on every response, 413 for an oversized body (before
reading it when its Content-Length says so, else as soon as the bytes received pass the
limit), request metrics by route template, and one JSON log line per request."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assay.core.access import bearer_token
from assay.errors import AssayError
from assay.services.access import identify
from assay.services.context import Context

__all__ = ["BodyTooLarge", "Mounted", "Mounts", "RequestObserver"]

Problem = Callable[[Request, int, str, str, str | None], Response]

LIMIT_HINT = "split it, or raise [server] max_upload_bytes"


class BodyTooLarge(HTTPException):
    """The body received so far is over the limit (a chunked body says no length first).
    Raised from ``receive``, so whatever reads the body stops there; an HTTPException, so
    FastAPI passes it on instead of calling it a body it could not parse."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.hint = LIMIT_HINT


class RequestObserver:
    def __init__(
        self,
        app: ASGIApp,
        *,
        registry: CollectorRegistry,
        limit: int,
        log: logging.Logger,
        problem: Problem,
    ) -> None:
        self.app = app
        self.limit = limit
        self.log = log
        self.problem = problem
        self.requests = Counter(
            "assay_http_requests_total",
            "HTTP requests",
            ["route", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "assay_http_request_seconds",
            "HTTP request latency",
            ["route", "method"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        ident = given if 0 < len(given) <= 100 and given.isprintable() else uuid.uuid4().hex
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = ident
        status = 500
        started = False

        async def observed(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", ident.encode("latin-1")),
                ]
            await send(message)

        length = headers.get("content-length", "")
        received = 0

        async def counted() -> Message:
            """The body as it arrives, counted: past the limit, nothing more is read."""
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        try:
            if length.isdigit() and int(length) > self.limit:
                detail = f"the request body ({length} bytes) is larger than {self.limit} bytes"
                await self._too_large(scope, receive, observed, detail)
            else:
                try:
                    await self.app(scope, counted, observed)
                except BodyTooLarge as exc:
                    if started:  # a streamed answer had begun: nothing more to say
                        raise
                    await self._too_large(scope, receive, observed, exc.detail)
        finally:
            self._observe(scope, ident, status, time.perf_counter() - began, state)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, detail: str) -> None:
        response = self.problem(Request(scope), 413, "UploadTooLarge", detail, LIMIT_HINT)
        await response(scope, receive, send)

    def _observe(
        self, scope: Scope, ident: str, status: int, seconds: float, state: dict[str, Any]
    ) -> None:
        route = _route_template(scope)
        method = scope["method"]
        self.latency.labels(route, method).observe(seconds)
        self.requests.labels(route, method, str(status)).inc()
        self.log.info(
            "request",
            extra={
                "request_id": ident,
                "method": method,
                "path": scope["path"],
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "principal": state.get("principal"),
            },
        )


def _route_template(scope: Scope) -> str:
    """The matched route as a template (``/api/v1/runs/{run}``), the label of request
    metrics; "unmatched" for paths no route matched, so labels stay few."""
    if scope.get("route") is None:
        return "unmatched"
    segments = str(scope["path"]).split("/")
    for name, value in scope.get("path_params", {}).items():
        for index in range(len(segments) - 1, -1, -1):
            if segments[index] == str(value):
                segments[index] = "{" + name + "}"
                break
    return "/".join(segments)


@dataclass(frozen=True)
class Mounted:
    """An ASGI app served at ``path`` (called as if at "/"), started with the server."""

    path: str
    app: ASGIApp
    lifespan: Callable[[], AbstractAsyncContextManager[Any]]


class Mounts:
    """Serve mounted apps at their exact paths, only to callers with a valid API token:
    401 with ``WWW-Authenticate: Bearer`` otherwise, as for /api/v1."""

    def __init__(
        self, app: ASGIApp, *, mounted: Sequence[Mounted], context: Context, problem: Problem
    ) -> None:
        self.app = app
        self.paths = {m.path: m for m in mounted} | {m.path + "/": m for m in mounted}
        self.context = context
        self.problem = problem

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mount = self.paths.get(scope.get("path", "")) if scope["type"] == "http" else None
        if mount is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = bearer_token(request.headers.get("authorization"))
        try:
            who = identify(self.context, token, datetime.now(UTC))
        except AssayError as exc:
            response = self.problem(request, 401, type(exc).__name__, exc.message, exc.hint)
            error = ', error="invalid_token"' if token else ""
            response.headers["WWW-Authenticate"] = f'Bearer realm="assay"{error}'
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = who.name
        scope["route"] = mount
        inner = dict(scope, path="/", raw_path=b"/", root_path=mount.path)
        await mount.app(inner, receive, send)
