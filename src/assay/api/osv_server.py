"""The OSV-compatible API over a project's store, built by uvicorn from the environment.

``assay vulndb serve`` names this factory to uvicorn rather than importing the API, so the
command line and the API stay separate front ends.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from assay.api.osv_compat import create_osv_app
from assay.services.vulndb import StoreOsvSource, open_store
from assay.settings import load_settings

__all__ = ["PROJECT_VARIABLE", "app_from_environment"]

PROJECT_VARIABLE = "ASSAY_PROJECT_DIR"


def app_from_environment() -> FastAPI:
    """The app for the project named by ``ASSAY_PROJECT_DIR`` (its settings, its store)."""
    settings = load_settings(Path(os.environ.get(PROJECT_VARIABLE, ".")))
    return create_osv_app(StoreOsvSource(open_store(settings, create=False)))
