"""The store and the caller of one command: opened when the command first needs the store,
closed when the command ends."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from assay.core.caller import Caller
from assay.services.context import Context, open_context

__all__ = ["TOKEN_VARIABLE", "command_context", "store_override"]

TOKEN_VARIABLE = "ASSAY_TOKEN"
"""An API token identifying the acting principal."""


def store_override(store: str | None) -> dict[str, str] | None:
    """``--store URL`` as the settings' ``[store]`` table."""
    return {"url": store} if store else None


def command_context(project: Path, store: str | None = None, **tables: Any) -> Context:
    """The project's settings (``--store`` instead of its own store), its store and the
    caller: ASSAY_TOKEN's principal, else ASSAY_PRINCIPAL, else git's user.email. The
    store is closed when the command ends."""
    from assay.collectors.git import current_user
    from assay.settings import load_settings

    settings = load_settings(project, store=store_override(store), **tables)
    token = os.environ.get(TOKEN_VARIABLE) or None
    context = open_context(settings, Caller(current_user(project), token))
    click_context = _current_click_context()
    if click_context is not None:
        click_context.call_on_close(context.close)
    return context


def _current_click_context() -> Any:
    """The running command's click context, or None outside a command. Typer vendors
    click from 0.2x on (typer._click); click's own context stack is then always empty."""
    try:
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover: Typer before 0.2x runs on click
        from click import get_current_context  # type: ignore[no-redef]
    return get_current_context(silent=True)
