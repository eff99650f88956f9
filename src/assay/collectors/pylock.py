"""pylock.toml files (PEP 751 lock files, lock-version 1.x)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.collectors._files import read_input
from assay.core.inventory import (
    ArtifactHash,
    Component,
    Dependency,
    Inventory,
    Notice,
    NoticeLevel,
    Origin,
    RootProject,
    SourceKind,
    SourceRecord,
    canonical_name,
)

__all__ = ["read_pylock"]


def read_pylock(path: Path) -> Inventory:
    """Inventory of a PEP 751 lock file: packages, artifact hashes, optional edges."""
    file = read_input(path)
    doc = file.toml()
    lock_version = str(doc.get("lock-version", ""))
    if not lock_version.startswith("1."):
        raise file.corrupt(f"lock-version {lock_version or '(missing)'} is not 1.x")
    packages = doc.get("packages")
    if not isinstance(packages, list):
        raise file.corrupt("expected [[packages]] entries")
    components: list[Component] = []
    edges: list[Dependency] = []
    notices: list[Notice] = []
    root: RootProject | None = None
    for index, package in enumerate(packages):
        if not isinstance(package, dict) or "name" not in package:
            raise file.corrupt(f"package entry {index + 1} has no name")
        name = canonical_name(str(package["name"]))
        directory = package.get("directory")
        if isinstance(directory, dict) and directory.get("path") in (".", "./"):
            root = RootProject(str(package["name"]), package.get("version"))
            continue
        origin = Origin(f"{path}#packages[{index}]")
        location = _location(package)
        version = str(package["version"]) if "version" in package else None
        if version is None and location is None:
            notices.append(
                Notice(NoticeLevel.WARNING, "unpinned", f"{package['name']} has no version", origin)
            )
        components.append(
            Component(
                name=name,
                version=version,
                origin=origin,
                declared_name=str(package["name"]),
                marker=package.get("marker"),
                hashes=_hashes(package),
                location=location,
            )
        )
        for dependency in package.get("dependencies", []) or []:
            if isinstance(dependency, dict) and "name" in dependency:
                edges.append(Dependency(name, canonical_name(str(dependency["name"]))))
    if not edges:
        # Without per-package dependencies the lock only says what the project installs.
        edges = [Dependency("", c.name) for c in components]
    record = SourceRecord(
        SourceKind.PYLOCK,
        str(path),
        file.sha256,
        f"lock-version {lock_version}, created by {doc.get('created-by', 'unknown')}",
    )
    return Inventory.build(
        components, edges, [record], notices, root=root, document_time=file.mtime
    )


def _hashes(package: dict[str, Any]) -> tuple[ArtifactHash, ...]:
    found = []
    artifacts = [package.get("sdist"), package.get("archive"), *(package.get("wheels") or [])]
    for artifact in artifacts:
        if not isinstance(artifact, dict):
            continue
        url = artifact.get("url")
        name = artifact.get("name") or (url.rsplit("/", 1)[-1] if isinstance(url, str) else None)
        for algorithm, value in (artifact.get("hashes") or {}).items():
            found.append(ArtifactHash(str(algorithm).lower(), str(value).lower(), name, url))
    return tuple(sorted(found))


def _location(package: dict[str, Any]) -> str | None:
    vcs = package.get("vcs")
    if isinstance(vcs, dict):
        commit = vcs.get("commit-id")
        return f"{vcs.get('type', 'vcs')}+{vcs.get('url') or vcs.get('path')}" + (
            f"@{commit}" if commit else ""
        )
    for kind in ("directory", "archive"):
        value = package.get(kind)
        if isinstance(value, dict) and (value.get("url") or value.get("path")):
            return str(value.get("url") or value.get("path"))
    return None
