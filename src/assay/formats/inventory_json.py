"""Assay's own inventory document: the canonical, lossless JSON form of an Inventory."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from assay.core.inventory import (
    ArtifactHash,
    Component,
    Dependency,
    Inventory,
    License,
    LicenseOrigin,
    Notice,
    NoticeLevel,
    Origin,
    RootProject,
    SourceKind,
    SourceRecord,
)

__all__ = ["MEDIA_TYPE", "SCHEMA", "dumps", "loads"]

SCHEMA = "https://assay.dev/schemas/inventory/v1"
MEDIA_TYPE = "application/vnd.assay.inventory+json"


def to_dict(inventory: Inventory) -> dict[str, Any]:
    """A JSON-ready dict: sorted, without defaults-only noise, no document time."""
    return {
        "schema": SCHEMA,
        "root": asdict(inventory.root) if inventory.root else None,
        "components": [_component(c) for c in inventory.components],
        "edges": [asdict(e) for e in inventory.edges],
        "sources": [asdict(s) for s in inventory.sources],
        "notices": [
            {**asdict(n), "origin": asdict(n.origin) if n.origin else None}
            for n in inventory.notices
        ],
    }


def dumps(inventory: Inventory) -> str:
    """Readable, still deterministic JSON (two-space indent, sorted keys)."""
    return (
        json.dumps(
            to_dict(inventory), sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False
        )
        + "\n"
    )


def loads(text: str | bytes) -> Inventory:
    """Read a document written by :func:`dumps`."""
    data = json.loads(text)
    if data.get("schema") != SCHEMA:
        raise ValueError(f"not an Assay inventory document (schema {data.get('schema')!r})")
    root = data.get("root")
    return Inventory.build(
        [_component_from(c) for c in data["components"]],
        [Dependency(**e) for e in data["edges"]],
        [
            SourceRecord(SourceKind(s["kind"]), s["path"], s["sha256"], s["detail"])
            for s in data["sources"]
        ],
        [
            Notice(
                NoticeLevel(n["level"]),
                n["code"],
                n["message"],
                Origin(**n["origin"]) if n.get("origin") else None,
            )
            for n in data["notices"]
        ],
        root=RootProject(**root) if root else None,
    )


def _component(component: Component) -> dict[str, Any]:
    data = asdict(component)
    data["purl"] = component.purl
    return data


def _component_from(data: dict[str, Any]) -> Component:
    return Component(
        name=data["name"],
        version=data["version"],
        origin=Origin(**data["origin"]),
        declared_name=data["declared_name"],
        specifier=data["specifier"],
        marker=data["marker"],
        licenses=tuple(
            License(LicenseOrigin(lic["origin"]), lic["expression"], lic["text"])
            for lic in data["licenses"]
        ),
        hashes=tuple(ArtifactHash(**h) for h in data["hashes"]),
        groups=tuple(data["groups"]),
        summary=data["summary"],
        location=data["location"],
    )
