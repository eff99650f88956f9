"""poetry.lock files (lock-version 1.x and 2.x)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assay.collectors._files import read_input
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
    if not isinstance(packages, list) or "metadata" not in doc:
        raise file.corrupt("expected [[package]] entries and a [metadata] table")
    lock_version = str(doc["metadata"].get("lock-version", ""))
    components: list[Component] = []
    edges: list[Dependency] = []
    for index, package in enumerate(packages):
        if not isinstance(package, dict) or "name" not in package or "version" not in package:
            raise file.corrupt(f"package entry {index + 1} has no name or version")
        name = canonical_name(package["name"])
        groups = _groups(package)
        source = package.get("source") or {}
        components.append(
            Component(
                name=name,
                version=str(package["version"]),
                origin=Origin(str(path)),
                declared_name=package["name"],
                summary=package.get("description") or None,
                marker=package.get("markers") if isinstance(package.get("markers"), str) else None,
                hashes=tuple(
                    sorted(
                        h
                        for f in package.get("files", [])
                        if isinstance(f, dict)
                        and (
                            h := ArtifactHash.parse(str(f.get("hash", "")), artifact=f.get("file"))
                        )
                    )
                ),
                groups=groups,
                location=source.get("url") if source.get("type") not in (None, "legacy") else None,
            )
        )
        for target, spec in (package.get("dependencies") or {}).items():
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


def _groups(package: dict[str, Any]) -> tuple[str, ...]:
    groups = package.get("groups")
    if isinstance(groups, list):
        return () if "main" in groups else tuple(sorted(str(g) for g in groups))
    category = package.get("category")  # lock-version 1.x
    return (str(category),) if category and category != "main" else ()


def _edge(source: str, target: str, constraint: Any) -> Dependency:
    if isinstance(constraint, dict):
        return Dependency(
            source,
            canonical_name(target),
            str(constraint.get("version", "")),
            constraint.get("markers"),
        )
    return Dependency(source, canonical_name(target), str(constraint))
