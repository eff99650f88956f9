"""The options the commands share."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["EnvironmentOpt", "ProjectArg", "ProjectOpt", "PythonOpt", "StoreOpt"]

ProjectArg = Annotated[
    Path, typer.Argument(help="Project folder (default: the current folder).", show_default=False)
]
ProjectOpt = Annotated[Path, typer.Option("--project", "-C", help="Project folder.")]
PythonOpt = Annotated[
    str | None,
    typer.Option(
        "--python",
        help="Inventory the environment of this interpreter or virtual environment folder.",
        show_default=False,
    ),
]
EnvironmentOpt = Annotated[
    bool,
    typer.Option(
        "--environment",
        help="Inventory the installed environment (the project's .venv, else the running "
        "Python) instead of lock files.",
    ),
]
StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store", help="Store URL (default: sqlite in PROJECT/.assay).", show_default=False
    ),
]
