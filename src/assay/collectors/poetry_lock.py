"""poetry.lock files (lock-version 1.x and 2.x)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.collectors._files import InputFile, read_input
from assay.collectors.pyproject import read_declaration
from assay.core.inventory import (
    ArtifactHash,
    Component,
    Dependency,
    Inventory,
    Origin,
    SourceKind,
    SourceRecord,
    canonical_name,
)

__all__ = ["read_poetry_lock"]


def read_poetry_lock(path: Path) -> Inventory:
    """Inventory of a poetry.lock, with the pyproject.toml beside it for the root project."""
    file = read_input(path)
    doc = file.toml()
    packages = doc.get("package", [])
    if not isinstance(packages, list) or not isinstance(doc.get("metadata"), dict):
        raise file.corrupt("expected [[package]] entries and a [metadata] table")
    lock_version = str(doc["metadata"].get("lock-version", ""))
    components: list[Component] = []
    edges: list[Dependency] = []
    for index, package in enumerate(packages):
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            raise file.corrupt(f"package entry {index + 1} has no name")
        if "version" not in package:
            raise file.corrupt(f"package entry {index + 1} has no version")
        where = f"package {package['name']!r}"
        name = canonical_name(package["name"])
        groups = _groups(package)
        source = file.table(package.get("source"), f"source of {where}")
        url = file.string(source, "url", f"the source of {where}")
        components.append(
            Component(
                name=name,
                version=str(package["version"]),
                origin=Origin(str(path)),
                declared_name=package["name"],
                summary=file.string(package, "description", where) or None,
                marker=package.get("markers") if isinstance(package.get("markers"), str) else None,
                hashes=_hashes(file, package, where),
                groups=groups,
                location=url if source.get("type") not in (None, "legacy") else None,
            )
        )
        dependencies = file.table(package.get("dependencies"), f"dependencies of {where}")
        for target, spec in dependencies.items():
            for constraint in spec if isinstance(spec, list) else [spec]:
                edges.append(_edge(name, target, constraint))

    records = [
        SourceRecord(SourceKind.POETRY_LOCK, str(path), file.sha256, f"lock-version {lock_version}")
    ]
    root = None
    pyproject = path.with_name("pyproject.toml")
    if pyproject.is_file():
        declaration = read_declaration(pyproject)
        root = declaration.root
        locked = {c.name for c in components}
        edges += [e for e in declaration.root_edges() if e.target in locked]
        records.append(SourceRecord(SourceKind.PYPROJECT, str(pyproject), declaration.file.sha256))
    return Inventory.build(components, edges, records, root=root, document_time=file.mtime)


def _hashes(file: InputFile, package: dict[str, Any], where: str) -> tuple[ArtifactHash, ...]:
    found = []
    for entry in file.array(package.get("files"), f"files of {where}"):
        if isinstance(entry, dict):
            artifact = file.string(entry, "file", f"a file of {where}")
            parsed = ArtifactHash.parse(str(entry.get("hash", "")), artifact=artifact)
            if parsed:
                found.append(parsed)
    return tuple(sorted(found))


def _groups(package: dict[str, Any]) -> tuple[str, ...]:
    groups = package.get("groups")
    if isinstance(groups, list):
        return () if "main" in groups else tuple(sorted(str(g) for g in groups))
    category = package.get("category")  # lock-version 1.x
    return (str(category),) if category and category != "main" else ()


def _edge(source: str, target: str, constraint: Any) -> Dependency:
    if isinstance(constraint, dict):
        markers = constraint.get("markers")
        return Dependency(
            source,
            canonical_name(target),
            str(constraint.get("version", "")),
            markers if isinstance(markers, str) else None,
        )
    return Dependency(source, canonical_name(target), str(constraint))
