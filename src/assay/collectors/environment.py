"""Collect the inventory of an installed Python environment without importing its packages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from assay.collectors.probe import ProbeRun
from assay.core.environment import (
    ROOT_FROM_ENVIRONMENT,
    DistributionMetadata,
    environment_inventory,
)
from assay.core.inventory import (
    Inventory,
    Notice,
    NoticeLevel,
    Origin,
    RootProject,
    SourceKind,
    SourceRecord,
)
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
    project: Path | None = None,
) -> Inventory:
    """The inventory of the environment that ``interpreter`` runs in.

    With ``project`` and no ``root``, a distribution installed from the project folder
    itself (``pip install -e .``: its direct_url.json names the folder) is the root: its
    requirements are the project's, and it is not listed as its own dependency.
    """
    snap = snapshot(interpreter, run)
    found = None
    if root is None and project is not None:
        found = _installed_from(snap.distributions, project)
        if found is not None:
            root = RootProject(found.name, found.version)
    source = SourceRecord(
        SourceKind.ENVIRONMENT,
        snap.prefix or str(interpreter),
        snap.sha256,
        f"Python {snap.python_version} ({interpreter})",
    )
    inventory = environment_inventory(
        snap.distributions,
        snap.marker_environment,
        source,
        root=root,
        root_requirements=root_requirements,
        document_time=snap.newest_mtime or None,
        declared=declared,
    )
    if found is None:
        return inventory
    notice = Notice(
        NoticeLevel.INFO,
        ROOT_FROM_ENVIRONMENT,
        f"the project is {found.name} {found.version}, installed from this folder: its "
        "requirements are the project's, and it is not listed as its own dependency",
        Origin(found.location),
    )
    return Inventory.build(
        inventory.components,
        inventory.edges,
        inventory.sources,
        [*inventory.notices, notice],
        root=inventory.root,
        document_time=inventory.document_time,
    )


def _installed_from(
    distributions: tuple[DistributionMetadata, ...], project: Path
) -> DistributionMetadata | None:
    """The distribution whose PEP 610 direct URL is the project folder, if exactly one."""
    folder = project.resolve()
    matches = []
    for dist in distributions:
        url = dist.direct_url or ""
        parts = urlsplit(url)
        if parts.scheme != "file":
            continue
        try:
            installed = Path(unquote(parts.path)).resolve()
        except (OSError, ValueError):
            continue
        if installed == folder:
            matches.append(dist)
    return matches[0] if len(matches) == 1 else None
