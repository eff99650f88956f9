"""Collect the inventory of an installed Python environment without importing its packages."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from assay.core.environment import DistributionMetadata, environment_inventory
from assay.core.inventory import Inventory, RootProject, SourceKind, SourceRecord
from assay.errors import InventoryError

__all__ = ["EnvironmentSnapshot", "find_interpreter", "inventory_environment", "snapshot"]

_PROBE_TIMEOUT_S = 120


@dataclass(frozen=True)
class EnvironmentSnapshot:
    """What the probe read from an interpreter."""

    interpreter: Path
    python_version: str
    prefix: str
    marker_environment: dict[str, str]
    distributions: tuple[DistributionMetadata, ...]
    sha256: str
    newest_mtime: int


def find_interpreter(python: str | Path | None, project: Path | None) -> Path:
    """The interpreter to inventory.

    ``python`` may be an executable or a virtual environment folder. Without it: the
    project's ``.venv`` when there is one, else the interpreter running Assay.
    """
    if python is not None:
        candidate = Path(python).expanduser()
        if candidate.is_dir():
            for inner in (candidate / "bin" / "python", candidate / "Scripts" / "python.exe"):
                if inner.exists():
                    return inner
            raise InventoryError(
                f"{candidate} is a folder with no Python interpreter in bin/ or Scripts/",
                hint="pass --python the path of a python executable or of a virtual "
                "environment folder",
            )
        if not candidate.exists():
            raise InventoryError(
                f"no interpreter at {candidate}",
                hint="pass --python the path of a python executable, for example .venv/bin/python",
            )
        return candidate
    if project is not None:
        for inner in (project / ".venv" / "bin" / "python", project / "venv" / "bin" / "python"):
            if inner.exists():
                return inner
    return Path(sys.executable)


def snapshot(interpreter: Path) -> EnvironmentSnapshot:
    """Run the metadata probe in ``interpreter`` and parse what it prints."""
    probe = resources.files("assay.collectors").joinpath("_probe.py").read_text(encoding="utf-8")
    not_python = InventoryError(
        f"{interpreter} is not a Python interpreter Assay can use",
        hint="pass --python the path of a python (3.8 or newer) executable or virtual "
        "environment folder",
    )
    try:
        completed = subprocess.run(
            [str(interpreter), "-c", probe],
            capture_output=True,
            timeout=_PROBE_TIMEOUT_S,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"},
        )
    except subprocess.TimeoutExpired as exc:
        raise InventoryError(
            f"{interpreter} did not answer within {_PROBE_TIMEOUT_S} s",
            hint="check that the interpreter starts on its own: run it with -c pass",
        ) from exc
    except OSError as exc:
        raise not_python from exc
    if completed.returncode != 0:
        raise not_python
    try:
        data: dict[str, Any] = json.loads(completed.stdout)
        dists = tuple(
            DistributionMetadata(
                name=d["name"],
                version=d["version"],
                location=d["location"],
                requires_dist=tuple(d["requires_dist"]),
                license=d["license"],
                license_expression=d["license_expression"],
                classifiers=tuple(d["classifiers"]),
                summary=d["summary"],
                direct_url=d["direct_url"],
            )
            for d in data["distributions"]
        )
        marker_environment = {str(k): str(v) for k, v in data["marker_environment"].items()}
        newest = max((int(d["mtime"]) for d in data["distributions"]), default=0)
    except (ValueError, KeyError, TypeError) as exc:
        raise not_python from exc
    listing = json.dumps(
        {"marker_environment": marker_environment, "distributions": data["distributions"]},
        sort_keys=True,
    ).encode()
    return EnvironmentSnapshot(
        interpreter=interpreter,
        python_version=str(data.get("version", "")),
        prefix=str(data.get("prefix", "")),
        marker_environment=marker_environment,
        distributions=dists,
        sha256=hashlib.sha256(listing).hexdigest(),
        newest_mtime=newest,
    )


def inventory_environment(
    interpreter: Path,
    *,
    root: RootProject | None = None,
    root_requirements: tuple[str, ...] = (),
) -> Inventory:
    """The inventory of the environment that ``interpreter`` runs in."""
    snap = snapshot(interpreter)
    source = SourceRecord(
        SourceKind.ENVIRONMENT,
        snap.prefix or str(interpreter),
        snap.sha256,
        f"Python {snap.python_version} ({interpreter})",
    )
    return environment_inventory(
        snap.distributions,
        snap.marker_environment,
        source,
        root=root,
        root_requirements=root_requirements,
        document_time=snap.newest_mtime or None,
    )
