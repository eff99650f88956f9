"""Pipfile.lock files (pipenv, pipfile-spec 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from assay.collectors._files import read_input
from assay.core.declared import exact_version
from assay.core.inventory import (
    ArtifactHash,
    Component,
    Dependency,
    Inventory,
    Notice,
    NoticeLevel,
    Origin,
    SourceKind,
    SourceRecord,
    canonical_name,
)

__all__ = ["read_pipfile_lock"]

_SECTIONS = {"default": None, "develop": "develop"}


def read_pipfile_lock(path: Path) -> Inventory:
    """Inventory of a Pipfile.lock: the ``default`` and ``develop`` sections.

    The format keeps no edges between packages: every entry is recorded as locked by the
    project, and ``develop``-only entries carry the ``develop`` group.
    """
    file = read_input(path)
    doc = file.json()
    if not isinstance(doc, dict) or not isinstance(doc.get("_meta"), dict):
        raise file.corrupt("expected a JSON object with _meta, default and develop")
    components: dict[str, Component] = {}
    edges: list[Dependency] = []
    notices: list[Notice] = []
    for section, group in _SECTIONS.items():
        entries = doc.get(section) or {}
        if not isinstance(entries, dict):
            raise file.corrupt(f"{section} must be an object")
        for declared, entry in sorted(entries.items()):
            if not isinstance(entry, dict):
                raise file.corrupt(f"entry {declared!r} in {section} must be an object")
            name = canonical_name(declared)
            if name in components:
                continue  # in both sections: the default (required) one wins
            version = _version(entry)
            origin = Origin(f"{path}#{section}.{declared}")
            location = _location(entry)
            if version is None and not location:
                notices.append(
                    Notice(
                        NoticeLevel.WARNING,
                        "unpinned",
                        f"{declared} has no locked version in {section}",
                        origin,
                    )
                )
            hashes = entry.get("hashes") or []
            markers = entry.get("markers")
            if not isinstance(hashes, list) or not all(isinstance(t, str) for t in hashes):
                raise file.corrupt(f"hashes of {declared!r} in {section} must be a list of text")
            if markers is not None and not isinstance(markers, str):
                raise file.corrupt(f"markers of {declared!r} in {section} must be text")
            components[name] = Component(
                name=name,
                version=version,
                origin=origin,
                declared_name=declared,
                marker=markers,
                hashes=tuple(sorted(h for t in hashes if (h := ArtifactHash.parse(t)))),
                groups=(group,) if group else (),
                location=location,
            )
            edges.append(Dependency("", name, str(entry.get("version", "")), None, group))
    record = SourceRecord(
        SourceKind.PIPFILE_LOCK,
        str(path),
        file.sha256,
        f"pipfile-spec {doc['_meta'].get('pipfile-spec', '?')}",
    )
    return Inventory.build(
        list(components.values()), edges, [record], notices, document_time=file.mtime
    )


def _version(entry: dict[str, Any]) -> str | None:
    text = entry.get("version")
    if not isinstance(text, str):
        return None
    try:
        return exact_version(SpecifierSet(text))
    except InvalidSpecifier:
        return None


def _location(entry: dict[str, Any]) -> str | None:
    for kind in ("git", "hg", "svn", "bzr"):
        if kind in entry:
            ref = entry.get("ref")
            return f"{kind}+{entry[kind]}" + (f"@{ref}" if ref else "")
    for kind in ("file", "path"):
        if kind in entry:
            return str(entry[kind])
    return None
