"""The composition root of the team server: the REST API and the MCP endpoint at /mcp in
one ASGI app, and the MCP server over stdio. The front ends stay apart; this module is
the one place that puts them together (``assay serve`` names it to uvicorn)."""

from __future__ import annotations

import gc
import logging
from pathlib import Path

import anyio
from fastapi import FastAPI
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp.shared.subscriptions import ResourcesListChanged

from assay.api.server import Mounted, create_app
from assay.core.caller import Caller
from assay.mcp.server import build_server
from assay.services.context import open_context
from assay.settings import Settings, load_settings

__all__ = ["app_for", "build_app", "run_stdio"]


def build_app(settings: Settings) -> FastAPI:
    # One store for the process, shared by the REST API and the MCP endpoint.
    context = open_context(settings, Caller("assay-server"), long_lived=True)
    bus = InMemorySubscriptionBus()
    mcp = build_server(context, bus)
    # Stateless: every request stands alone, so any `assay serve` process sharing the
    # database can answer it.
    http = mcp.streamable_http_app(streamable_http_path="/", stateless_http=True)

    async def run_stored() -> None:  # a run uploaded through the REST API
        await bus.publish(ResourcesListChanged())

    app = create_app(
        settings,
        context=context,
        mounted=[Mounted("/mcp", http, mcp.session_manager.run)],
        on_run_stored=run_stored,
    )
    app.state.mcp = mcp
    return app


def app_for(project: str, store: str | None = None) -> FastAPI:
    """The app for ``project`` (its settings; ``store`` instead of its own), as each process
    of ``assay serve`` builds it."""
    app = build_app(load_settings(Path(project), store={"url": store} if store else None))
    # What is alive now (modules, the app, its routes and models: some 200,000 objects)
    # lives as long as the process: keep it out of the collector's full passes, which
    # otherwise walk all of it while a request waits (about 120 ms, measured in process).
    gc.collect()
    gc.freeze()
    # Its log records need no caller's frame (no format of the server's shows one): the
    # logging module's documented switch spares walking the stack for it on every request
    # (with thread and process lookups, 2% of a hand-off read's instructions, callgrind;
    # those stay, since a format with %(process)d needs them).
    logging._srcfile = None
    return app


def run_stdio(settings: Settings, token: str | None) -> None:
    """The MCP server on standard input and output, acting as ``token``'s principal
    (``ASSAY_TOKEN``)."""
    context = open_context(settings, Caller("assay-mcp", token))
    try:
        anyio.run(build_server(context).run_stdio_async)
    finally:
        context.close()
