"""The composition root of the team server: the REST API and the MCP endpoint at /mcp in
one ASGI app, and the MCP server over stdio. The front ends stay apart; this module is
the one place that puts them together (``assay serve`` names it to uvicorn)."""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path

import anyio
from fastapi import FastAPI
from mcp.server.subscriptions import InMemorySubscriptionBus
from mcp.shared.subscriptions import ResourcesListChanged

from assay.api.server import PROJECT_VARIABLE, Mounted, create_app
from assay.mcp.server import build_server
from assay.settings import Settings, load_settings

__all__ = ["app_from_environment", "build_app", "run_stdio"]


def build_app(settings: Settings) -> FastAPI:
    bus = InMemorySubscriptionBus()
    mcp = build_server(settings, bus)
    # Stateless: every request stands alone, so any `assay serve` process sharing the
    # database can answer it.
    http = mcp.streamable_http_app(streamable_http_path="/", stateless_http=True)

    async def run_stored() -> None:  # a run uploaded through the REST API
        await bus.publish(ResourcesListChanged())

    app = create_app(
        settings,
        mounted=[Mounted("/mcp", http, mcp.session_manager.run)],
        on_run_stored=run_stored,
    )
    app.state.mcp = mcp
    return app


def app_from_environment() -> FastAPI:
    """The app for the project named by ``ASSAY_PROJECT_DIR`` (its settings, its store),
    as ``assay serve`` runs it."""
    app = build_app(load_settings(Path(os.environ.get(PROJECT_VARIABLE, "."))))
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


def run_stdio(settings: Settings) -> None:
    """The MCP server on standard input and output, acting as ``ASSAY_TOKEN``'s principal."""
    anyio.run(build_server(settings).run_stdio_async)
