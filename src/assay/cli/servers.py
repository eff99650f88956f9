"""CLI: the servers: serve (REST API and /mcp), mcp (stdio)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assay.cli.options import ProjectOpt, StoreOpt


def serve(
    project: ProjectOpt = Path(),
    host: Annotated[
        str, typer.Option("--host", metavar="H", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="N", help="Port to listen on.")] = 8000,
    store: StoreOpt = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            metavar="N",
            min=1,
            max=64,
            help="Server processes, each listening on the port (SO_REUSEPORT): the kernel "
            "spreads connections over them.",
        ),
    ] = 1,
) -> None:
    """Run the team server: /health, /ready, /metrics, the /api/v1 routes (OpenAPI at
    /api/v1/openapi.json) and the MCP endpoint /mcp, over the project's store or --store.
    Requests need an API token (assay token issue); each request is logged as one JSON
    line on standard error.

    \b
    Example:
      assay serve -C . --store postgresql://assay@db.internal/assay --workers 2
    """

    from assay.serving import ServerOptions, run

    # The app logs each request as one JSON line, with its request id: no access log.
    quiet = {"log_level": "warning", "access_log": False}
    arguments = {"project": str(project.resolve()), "store": store}
    run(ServerOptions("assay.team_server:app_for", host, port, workers, quiet, arguments))


def mcp(project: ProjectOpt = Path(), store: StoreOpt = None) -> None:
    """Serve Assay's tools, resources and prompts to an AI agent over MCP on standard input
    and output, as the principal of ASSAY_TOKEN (the same server answers at /mcp in
    assay serve, with the caller's bearer token).

    \b
    Example:
      ASSAY_TOKEN=assay_... assay mcp -C .
    """
    import os

    from assay.cli.context import TOKEN_VARIABLE, store_override
    from assay.settings import load_settings
    from assay.team_server import run_stdio

    settings = load_settings(project, store=store_override(store))
    run_stdio(settings, os.environ.get(TOKEN_VARIABLE) or None)
