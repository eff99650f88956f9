"""The OSV-compatible API over a project's store, as ``assay vulndb serve`` builds it.

``assay vulndb serve`` names this factory to uvicorn rather than importing the API, so the
command line and the API stay separate front ends.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from assay.api.osv_compat import create_osv_app
from assay.core.caller import Caller
from assay.services.context import open_context
from assay.services.vulndb import StoreOsvSource
from assay.settings import load_settings

__all__ = ["app_for"]


def app_for(project: str, store: str | None = None) -> FastAPI:
    """The app for ``project``'s store (or ``store``), kept open for the process's life."""
    settings = load_settings(Path(project), store={"url": store} if store else None)
    context = open_context(settings, Caller("assay-osv"), long_lived=True)
    return create_osv_app(StoreOsvSource(context.store(create=False)))
