"""Collect the inventory of an installed Python environment without importing its packages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from assay.collectors.probe import ProbeRun
from assay.core.environment import DistributionMetadata, environment_inventory
from assay.core.inventory import Inventory, RootProject, SourceKind, SourceRecord
from assay.errors import InventoryError

__all__ = ["EnvironmentSnapshot", "inventory_environment", "snapshot"]


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


def snapshot(interpreter: Path, run: ProbeRun | None = None) -> EnvironmentSnapshot:
    """What the probe (already started as ``run``, or started now) read from ``interpreter``."""
    run = run or ProbeRun(interpreter)
    data = run.result()
    not_python = InventoryError(
        f"{interpreter} is not a Python interpreter Assay can use",
        hint="pass --python the path of a python (3.8 or newer) executable",
    )
    try:
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
    run: ProbeRun | None = None,
    declared: Collection[str] = (),
) -> Inventory:
    """The inventory of the environment that ``interpreter`` runs in."""
    snap = snapshot(interpreter, run)
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
        declared=declared,
    )
