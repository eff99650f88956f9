"""uv.lock files (version 1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.collectors._files import InputFile, read_input
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
    for index, package in enumerate(packages):
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            raise file.corrupt(f"package entry {index + 1} has no name")
    roots = [p for p in packages if _is_root(file, p)]
    root_names = {canonical_name(p["name"]) for p in roots}
    components: list[Component] = []
    edges: list[Dependency] = []
    for package in packages:
        where = f"package {package['name']!r}"
        name = canonical_name(package["name"])
        source = "" if name in root_names else name
        for dependency in file.array(package.get("dependencies"), f"dependencies of {where}"):
            edges.append(_edge(file, source, dependency, where))
        for key in ("optional-dependencies", "dev-dependencies"):
            for group, deps in file.table(package.get(key), f"{key} of {where}").items():
                for dependency in file.array(deps, f"{key}.{group} of {where}"):
                    edges.append(
                        _edge(file, source, dependency, where, group if not source else None)
                    )
        if name in root_names:
            continue
        version = package.get("version")
        components.append(
            Component(
                name=name,
                version=str(version) if version is not None else None,
                origin=Origin(str(path)),
                declared_name=package["name"],
                hashes=_hashes(file, package, where),
                location=_location(file.table(package.get("source"), f"source of {where}")),
            )
        )
    root = None
    if len(roots) == 1:
        root = RootProject(roots[0]["name"], file.string(roots[0], "version", "the project"))
    components = assign_groups(components, edges)
    record = SourceRecord(SourceKind.UV_LOCK, str(path), file.sha256, f"version {doc['version']}")
    return Inventory.build(components, edges, [record], root=root, document_time=file.mtime)


def _is_root(file: InputFile, package: dict[str, Any]) -> bool:
    source = file.table(package.get("source"), f"source of package {package['name']!r}")
    return any(source.get(kind) == "." for kind in ("virtual", "editable", "directory"))


def _edge(
    file: InputFile, source: str, dependency: Any, where: str, group: str | None = None
) -> Dependency:
    if not isinstance(dependency, dict) or not isinstance(dependency.get("name"), str):
        raise file.corrupt(f"a dependency of {where} has no name")
    version = dependency.get("version")
    return Dependency(
        source,
        canonical_name(dependency["name"]),
        f"=={version}" if version is not None else "",
        file.string(dependency, "marker", f"a dependency of {where}"),
        group,
    )


def _hashes(file: InputFile, package: dict[str, Any], where: str) -> tuple[ArtifactHash, ...]:
    found = []
    wheels = file.array(package.get("wheels"), f"wheels of {where}")
    for artifact in [package.get("sdist"), *wheels]:
        if isinstance(artifact, dict) and "hash" in artifact:
            url = file.string(artifact, "url", f"an artifact of {where}")
            name = url.rsplit("/", 1)[-1] if url else None
            parsed = ArtifactHash.parse(str(artifact["hash"]), artifact=name, url=url)
            if parsed:
                found.append(parsed)
    return tuple(sorted(found))


def _location(source: dict[str, Any]) -> str | None:
    for kind in ("git", "url", "path", "directory", "editable"):
        if kind in source:
            return str(source[kind])
    return None
