"""uv.lock files (version 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.collectors._files import read_input
from assay.core.declared import assign_groups
from assay.core.inventory import (
    ArtifactHash,
    Component,
    Dependency,
    Inventory,
    Origin,
    RootProject,
    SourceKind,
    SourceRecord,
    canonical_name,
)

__all__ = ["read_uv_lock"]


def read_uv_lock(path: Path) -> Inventory:
    """Inventory of a uv.lock: packages, wheel and sdist hashes, edges, dev groups."""
    file = read_input(path)
    doc = file.toml()
    packages = doc.get("package")
    if "version" not in doc or not isinstance(packages, list):
        raise file.corrupt("expected a top-level version and [[package]] entries")
    roots = [p for p in packages if isinstance(p, dict) and _is_root(p)]
    root_names = {canonical_name(p["name"]) for p in roots if "name" in p}
    components: list[Component] = []
    edges: list[Dependency] = []
    for index, package in enumerate(packages):
        if not isinstance(package, dict) or "name" not in package:
            raise file.corrupt(f"package entry {index + 1} has no name")
        name = canonical_name(package["name"])
        source = "" if name in root_names else name
        edges += [_edge(source, d) for d in package.get("dependencies", [])]
        for extra, deps in (package.get("optional-dependencies") or {}).items():
            edges += [_edge(source, d, extra if not source else None) for d in deps]
        for group, deps in (package.get("dev-dependencies") or {}).items():
            edges += [_edge(source, d, group if not source else None) for d in deps]
        if name in root_names:
            continue
        components.append(
            Component(
                name=name,
                version=str(package["version"]) if "version" in package else None,
                origin=Origin(str(path)),
                declared_name=package["name"],
                hashes=_hashes(package),
                location=_location(package.get("source") or {}),
            )
        )
    root = None
    if len(roots) == 1:
        root = RootProject(str(roots[0]["name"]), roots[0].get("version"))
    components = assign_groups(components, edges)
    record = SourceRecord(SourceKind.UV_LOCK, str(path), file.sha256, f"version {doc['version']}")
    return Inventory.build(components, edges, [record], root=root, document_time=file.mtime)


def _is_root(package: dict[str, Any]) -> bool:
    source = package.get("source") or {}
    return any(source.get(kind) == "." for kind in ("virtual", "editable", "directory"))


def _edge(source: str, dependency: Any, group: str | None = None) -> Dependency:
    return Dependency(
        source,
        canonical_name(str(dependency["name"])),
        f"=={dependency['version']}" if "version" in dependency else "",
        dependency.get("marker"),
        group,
    )


def _hashes(package: dict[str, Any]) -> tuple[ArtifactHash, ...]:
    found = []
    for artifact in [package.get("sdist"), *package.get("wheels", [])]:
        if isinstance(artifact, dict) and "hash" in artifact:
            url = artifact.get("url")
            name = url.rsplit("/", 1)[-1] if isinstance(url, str) else None
            parsed = ArtifactHash.parse(str(artifact["hash"]), artifact=name, url=url)
            if parsed:
                found.append(parsed)
    return tuple(sorted(found))


def _location(source: dict[str, Any]) -> str | None:
    for kind in ("git", "url", "path", "directory", "editable"):
        if kind in source:
            return str(source[kind])
    return None
