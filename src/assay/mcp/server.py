"""The MCP server: Assay's evidence, gates, releases, hand-offs and audit log as tools,
resources and prompts for AI agents, on the official MCP Python SDK.

Every tool is a thin adapter over the services the CLI and the REST API use, acting as
the principal of the caller's API token: the ``Authorization: Bearer`` header over
Streamable HTTP (checked again here, after the /mcp route's own check), ``ASSAY_TOKEN``
over stdio. A domain refusal (a permission, a lockdown, a failed acceptance check) comes
back as a tool result flagged as an error, with the reason; protocol misuse stays a
JSON-RPC error. The tools that take a path (``certify_project``, ``scan_dependencies``,
``verify_claims``) work only inside the project roots the server was started with (see
``assay.services.served``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.subscriptions import InMemorySubscriptionBus

from assay import __version__
from assay.mcp.resources import register_prompts, register_resources
from assay.mcp.state import McpState
from assay.mcp.tools import TOOLS
from assay.services.context import Context as ServiceContext
from assay.services.served import served_roots

__all__ = ["build_server"]


def build_server(
    base: ServiceContext,
    bus: InMemorySubscriptionBus | None = None,
    roots: Sequence[Path] | None = None,
) -> MCPServer:
    """The server; ``bus`` carries change events to ``subscriptions/listen`` streams (the
    team server shares it with the REST API, so uploaded runs are announced too). The tools
    that take paths work only inside ``roots`` (default: the settings' project folder).
    ``base`` is the front end's context: its store, and over stdio the caller of
    ``ASSAY_TOKEN``; over HTTP each request acts as the principal of its bearer token."""
    state = McpState(base, served_roots(base, roots))

    @contextlib.asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[McpState]:
        yield state

    server = MCPServer(
        "assay",
        lifespan=lifespan,
        subscriptions=bus,
        version=__version__,
        # The SDK sets up the root logger at this level: INFO printed every migration
        # step and session-manager start to standard error.
        log_level="WARNING",
        instructions=(
            "Assay turns a project's artifacts into signed evidence and judges readiness "
            "claims against it: no claim without evidence. Tools act as the principal of "
            "your API token; a refusal says which rule refused it."
        ),
    )

    for function, options in TOOLS:
        server.tool(**options)(function)
    register_resources(server, base)
    register_prompts(server)
    return server
