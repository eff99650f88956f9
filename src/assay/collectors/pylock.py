"""pylock.toml files (PEP 751 lock files, lock-version 1.x)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.collectors._files import InputFile, read_input
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
        where = f"package entry {index + 1}"
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            raise file.corrupt(f"{where} has no name")
        name = canonical_name(package["name"])
        version = file.string(package, "version", where)
        directory = package.get("directory")
        if isinstance(directory, dict) and directory.get("path") in (".", "./"):
            root = RootProject(package["name"], version)
            continue
        origin = Origin(f"{path}#packages[{index}]")
        location = _location(package)
        if version is None and location is None:
            notices.append(
                Notice(NoticeLevel.WARNING, "unpinned", f"{package['name']} has no version", origin)
            )
        components.append(
            Component(
                name=name,
                version=version,
                origin=origin,
                declared_name=package["name"],
                marker=file.string(package, "marker", where),
                hashes=_hashes(file, package, where),
                location=location,
            )
        )
        for dependency in file.array(package.get("dependencies"), f"dependencies of {where}"):
            if isinstance(dependency, dict) and isinstance(dependency.get("name"), str):
                edges.append(Dependency(name, canonical_name(dependency["name"])))
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


def _hashes(file: InputFile, package: dict[str, Any], where: str) -> tuple[ArtifactHash, ...]:
    found = []
    wheels = file.array(package.get("wheels"), f"wheels of {where}")
    for artifact in [package.get("sdist"), package.get("archive"), *wheels]:
        if not isinstance(artifact, dict):
            continue
        url = file.string(artifact, "url", f"an artifact of {where}")
        name = file.string(artifact, "name", f"an artifact of {where}")
        name = name or (url.rsplit("/", 1)[-1] if url else None)
        hashes = file.table(artifact.get("hashes"), f"hashes of an artifact of {where}")
        for algorithm, value in hashes.items():
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
