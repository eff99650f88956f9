"""The team server: one ASGI app with health, readiness, metrics and the /api/v1 routes.

Routes are thin adapters over the services. Errors are RFC 9457 problem+json documents
with a stable ``type`` per error class; every response carries an ``X-Request-Id``.
``assay serve`` names ``assay.team_server:app_from_environment`` to uvicorn, so the CLI
never imports the API.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    generate_latest,
)
from starlette.exceptions import HTTPException

from assay import __version__
from assay.api import (
    routes,
    routes_audit,
    routes_compliance,
    routes_governance,
    routes_handoffs,
    routes_releases,
)
from assay.api.deps import BEARER_SCHEME, RateLimited
from assay.api.input_guard import HINT as INPUT_HINT
from assay.api.input_guard import OUT_OF_RANGE, InputGuard
from assay.api.logs import request_logger
from assay.api.metrics import StoreCollector
from assay.api.middleware import BodyTooLarge, Mounted, Mounts, RequestObserver
from assay.api.redact import redact_paths
from assay.core.caller import Caller
from assay.errors import (
    AssayError,
    Conflict,
    EnvironmentProblem,
    NotFoundError,
    PreconditionFailed,
    Refused,
)
from assay.services.access import LockedDown, Unauthenticated
from assay.services.context import Context, open_context
from assay.services.gates import GatesOutcome
from assay.settings import Settings
from assay.store.migrations import SCHEMA_HEAD

__all__ = ["PROBLEM_BASE", "Mounted", "create_app"]

PROBLEM_BASE = "https://assay.dev/problems/"


def create_app(
    settings: Settings,
    mounted: Sequence[Mounted] = (),
    on_run_stored: Callable[[], Awaitable[None]] | None = None,
    context: Context | None = None,
) -> FastAPI:
    """The team server; ``mounted`` adds ASGI apps (the MCP endpoint) behind the same
    bearer-token check, request ids, metrics and logs."""

    # One store for the life of the app (opened here, closed when the app stops); each
    # request's services get it with the request's caller.
    if context is None:
        context = open_context(settings, Caller("assay-server"), long_lived=True)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            stack.callback(context.close)
            for mount in mounted:
                await stack.enter_async_context(mount.lifespan())
            yield

    app = FastAPI(
        title="Assay",
        version=__version__,
        summary="Evidence-backed production readiness: no claim without evidence.",
        openapi_url="/api/v1/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.context = context
    app.state.on_run_stored = on_run_stored
    log = request_logger()
    try:  # create and migrate the store; /ready says why when this fails
        context.store()
    except AssayError as exc:
        log.warning("store unavailable at start: %s", exc.message)
    registry = CollectorRegistry()
    registry.register(StoreCollector(context))
    gate_outcomes = Counter(
        "assay_gate_outcomes_total",
        "Gates judged by this server (uploads, gate evaluations, release status)",
        ["gate", "status"],
        registry=registry,
    )

    def count_gates(outcome: GatesOutcome) -> None:
        for result in outcome.gates:
            gate_outcomes.labels(result.gate.id, result.status.value).inc()

    app.state.count_gates = count_gates
    app.add_middleware(InputGuard, problem=problem)  # inside the size limits, before /mcp
    if mounted:
        app.add_middleware(Mounts, mounted=mounted, context=context, problem=problem)
    app.add_middleware(
        RequestObserver,
        registry=registry,
        limit=settings.server.max_upload_bytes,
        log=log,
        problem=problem,
    )

    @app.get("/health", tags=["operations"])
    async def health() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "healthy", "service": "assay"}

    @app.get("/ready", tags=["operations"], responses={503: {"description": "Not ready"}})
    def ready() -> JSONResponse:
        """Readiness: the store answers and its schema is current."""
        try:
            revision = context.store(create=False).schema_revision()
        except AssayError as exc:
            return JSONResponse({"status": "not ready", "reason": exc.message}, status_code=503)
        if revision != SCHEMA_HEAD:
            reason = f"schema at {revision}, this version needs {SCHEMA_HEAD}"
            return JSONResponse({"status": "not ready", "reason": reason}, status_code=503)
        return JSONResponse({"status": "ready", "schema": revision})

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics() -> Response:
        """Prometheus metrics: requests and latency by route and status."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    # FastAPI tries routes in order, each match costing time: the hand-offs, which agents
    # poll, come first (their paths overlap no other module's).
    for module in (
        routes_handoffs,
        routes,
        routes_releases,
        routes_governance,
        routes_audit,
        routes_compliance,
    ):
        app.include_router(module.router, prefix="/api/v1")
    _problems(app)
    _document_bearer(app)
    return app


def _document_bearer(app: FastAPI) -> None:
    """Every /api/v1 operation needs a bearer token (``deps.caller`` reads it; a test
    checks that every /api/v1 route takes the caller): say so in the OpenAPI document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        document = app.openapi_schema
        if document is None:
            document = build()  # which FastAPI keeps as app.openapi_schema
            document.setdefault("components", {}).setdefault("securitySchemes", {})
            document["components"]["securitySchemes"]["HTTPBearer"] = BEARER_SCHEME
            for path, operations in document["paths"].items():
                if path.startswith("/api/v1/"):
                    for operation in operations.values():
                        operation["security"] = [{"HTTPBearer": []}]
        return document

    app.openapi = openapi  # type: ignore[method-assign]


_STATUS: dict[type[AssayError], int] = {
    routes.UploadTooLarge: 413,
    Unauthenticated: 401,
    LockedDown: 423,
    PreconditionFailed: 412,
    Conflict: 409,
    RateLimited: 429,
    NotFoundError: 404,
    Refused: 403,
    EnvironmentProblem: 503,
}
"""The first class an error is an instance of gives its status; anything else is 400."""


def _problems(app: FastAPI) -> None:
    @app.exception_handler(AssayError)
    async def assay_error(request: Request, exc: AssayError) -> JSONResponse:
        status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 400)
        response = problem(request, status, type(exc).__name__, exc.message, exc.hint)
        if isinstance(exc, Unauthenticated):
            given = getattr(request.state, "token_given", False)
            challenge = 'Bearer realm="assay"' + (', error="invalid_token"' if given else "")
            response.headers["WWW-Authenticate"] = challenge
        if isinstance(exc, RateLimited):
            response.headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, LockedDown):
            body = json.loads(bytes(response.body))
            body["incident"] = exc.incident
            response = JSONResponse(body, status_code=423, media_type="application/problem+json")
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
        ]
        if any(e["type"] == OUT_OF_RANGE for e in exc.errors()):  # no column holds it
            detail = "the request holds an integer beyond 64 bits"
            return problem(request, 400, "InvalidInput", detail, INPUT_HINT, errors)
        return problem(request, 422, "ValidationError", "the request is not valid", None, errors)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return problem(request, 413, "UploadTooLarge", exc.detail, exc.hint)

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> JSONResponse:
        return problem(request, exc.status_code, f"Http{exc.status_code}", str(exc.detail), None)


def problem(
    request: Request,
    status: int,
    kind: str,
    detail: str,
    hint: str | None,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    """An RFC 9457 problem document; ``type`` is stable per error class."""
    settings: Settings | None = getattr(request.app.state, "settings", None)
    if settings is not None:
        detail = redact_paths(detail, settings)
        hint = redact_paths(hint, settings) if hint else hint
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + kind,
        "title": kind,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": getattr(request.state, "request_id", None),
    }
    if hint:
        body["hint"] = hint
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type="application/problem+json")
