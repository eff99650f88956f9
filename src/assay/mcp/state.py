"""What every MCP tool shares: the server's state (its store and project roots), the
calling principal, and how a refusal becomes a tool error."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from assay.core.access import bearer_token
from assay.core.caller import Caller as Principal
from assay.errors import AssayError
from assay.services.access import LockedDown, identify
from assay.services.context import Context as ServiceContext

__all__ = ["Caller", "McpState", "caller", "now", "plain_handoff", "reason", "run", "state_of"]

T = TypeVar("T")


@dataclass(frozen=True)
class McpState:
    """Made once per server and handed to every request by the server's lifespan."""

    base: ServiceContext
    """The front end's context: its store, and over stdio the caller of ASSAY_TOKEN."""
    roots: tuple[Path, ...]
    """The folders the path-taking tools may work in."""


@dataclass(frozen=True)
class Caller:
    name: str
    ctx: ServiceContext


def state_of(ctx: Context) -> McpState:
    return cast(McpState, ctx.request_context.lifespan_context)


def now() -> datetime:
    return datetime.now(UTC)


def caller(ctx: Context) -> Caller:
    """The principal of the request's bearer token (over stdio: the server's token)."""
    base = state_of(ctx).base
    token = base.caller.token
    headers = ctx.headers
    if headers is not None:
        token = bearer_token(headers.get("authorization"))
    try:
        who = identify(base, token, now())
    except AssayError as exc:
        raise ToolError(reason(exc)) from exc
    return Caller(who.name, base.acting_as(Principal(who.name, token)))


def run(work: Callable[[], T]) -> T:
    try:
        return work()
    except AssayError as exc:
        raise ToolError(reason(exc)) from exc


def plain_handoff(view: Any) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(asdict(view), default=_plain))
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def reason(exc: AssayError) -> str:
    reason = exc.message
    if isinstance(exc, LockedDown):
        reason += f" [incident {exc.incident}]"
    return reason + (f" (hint: {exc.hint})" if exc.hint else "")
