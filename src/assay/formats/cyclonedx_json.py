"""CycloneDX 1.6 JSON written directly from an inventory.

Why not through cyclonedx-python-lib's model: for an environment of 136 packages,
importing the library, building its model and serialising it take about 180 ms, half of
``assay sbom``'s whole run and more than everything else Assay does. The document is a
plain JSON tree, so it is written here; the library stays the reference: it parses this
output and writes the XML form (``formats.cyclonedx``), and the tests check that it
reproduces this JSON exactly and that the JSON validates against the 1.6 schema.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from packageurl import PackageURL

from assay import __version__
from assay.core.inventory import ArtifactHash, Component, Inventory, License

__all__ = ["MEDIA_TYPE", "ROOT_REF", "content_uuid", "document", "to_json"]

MEDIA_TYPE = "application/vnd.cyclonedx+json; version=1.6"
ROOT_REF = "root-project"
_ALGORITHMS = {
    "md5": "MD5",
    "sha1": "SHA-1",
    "sha256": "SHA-256",
    "sha384": "SHA-384",
    "sha512": "SHA-512",
}


def to_json(inventory: Inventory, created: datetime) -> str:
    """CycloneDX 1.6 JSON, two-space indented, keys sorted."""
    return (
        json.dumps(document(inventory, created), indent=2, sort_keys=True, allow_nan=False) + "\n"
    )


def document(inventory: Inventory, created: datetime) -> dict[str, Any]:
    """The CycloneDX 1.6 document of ``inventory`` as a JSON-ready dict.

    The serial number is derived from the rest of the document, so the same input gives
    the same document and any change gives a new serial number.
    """
    metadata: dict[str, Any] = {
        "timestamp": created.isoformat(),
        "tools": {"components": [{"type": "application", "name": "assay", "version": __version__}]},
    }
    if inventory.sources:
        metadata["properties"] = _sorted(
            {"name": f"assay:source:{s.kind.value}", "value": s.path} for s in inventory.sources
        )
    refs: dict[str, list[str]] = {}
    for component in inventory.components:
        refs.setdefault(component.name, []).append(component.purl)
    targets: dict[str, set[str]] = {}
    for edge in inventory.edges:
        targets.setdefault(edge.source, set()).add(edge.target)

    dependencies = [
        _dependency(c.purl, targets.get(c.name, ()), refs) for c in inventory.components
    ]
    if inventory.root:
        root = inventory.root
        metadata["component"] = {
            "type": "application",
            "bom-ref": ROOT_REF,
            "name": root.name,
            "purl": str(PackageURL(type="pypi", name=root.name, version=root.version)),
        }
        if root.version:
            metadata["component"]["version"] = root.version
        dependencies.append(_dependency(ROOT_REF, targets.get("", ()), refs))
    body = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": metadata,
        "components": sorted(
            (_component(c) for c in inventory.components),
            key=lambda c: (c["name"], c.get("version", ""), c["bom-ref"]),
        ),
        "dependencies": sorted(dependencies, key=lambda d: str(d["ref"])),
    }
    body["serialNumber"] = content_uuid("sbom", body).urn
    return body


def content_uuid(kind: str, body: dict[str, Any]) -> uuid.UUID:
    """A name-based UUID from the canonical JSON of ``body``."""
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return uuid.uuid5(uuid.NAMESPACE_URL, f"urn:assay:{kind}:{digest}")


def _dependency(ref: str, names: Iterable[str], refs: dict[str, list[str]]) -> dict[str, Any]:
    depends = sorted(r for name in names for r in refs.get(name, ()))
    return {"ref": ref, "dependsOn": depends} if depends else {"ref": ref}


def _component(component: Component) -> dict[str, Any]:
    properties = [{"name": "assay:origin", "value": str(component.origin)}]
    if not component.pinned:
        properties.append({"name": "assay:pinned", "value": "false"})
        if component.specifier:
            properties.append({"name": "assay:specifier", "value": component.specifier})
    if component.marker:
        properties.append({"name": "assay:marker", "value": component.marker})
    if component.location:
        properties.append({"name": "assay:location", "value": component.location})
    properties += [{"name": "assay:group", "value": g} for g in component.groups]
    data: dict[str, Any] = {
        "type": "library",
        "bom-ref": component.purl,
        "name": component.display_name,
        "purl": component.purl,
        "scope": "optional" if component.groups else "required",
        "properties": _sorted(properties),
    }
    if component.version:
        data["version"] = component.version
    if component.summary:
        data["description"] = component.summary
    licenses = _licenses(component.licenses)
    if licenses:
        data["licenses"] = licenses
    plain = _hashes(h for h in component.hashes if not h.url)
    if plain:
        data["hashes"] = plain
    references = _distributions(h for h in component.hashes if h.url)
    if references:
        data["externalReferences"] = references
    return data


def _hashes(hashes: Iterable[ArtifactHash]) -> list[dict[str, str]]:
    unique = {(_ALGORITHMS[h.algorithm], h.value) for h in hashes if h.algorithm in _ALGORITHMS}
    return [{"alg": alg, "content": value} for alg, value in sorted(unique)]


def _distributions(hashes: Iterable[ArtifactHash]) -> list[dict[str, Any]]:
    by_url: dict[str, list[ArtifactHash]] = {}
    for h in hashes:
        by_url.setdefault(str(h.url), []).append(h)
    return [
        {"type": "distribution", "url": url, "hashes": _hashes(group)}
        for url, group in sorted(by_url.items())
    ]


def _licenses(licenses: tuple[License, ...]) -> list[dict[str, Any]]:
    """One SPDX expression, or a list of single licences (CycloneDX allows not both)."""
    declared = "declared"
    compound = [
        lic.expression
        for lic in licenses
        if lic.expression and (" " in lic.expression or lic.expression.startswith("LicenseRef-"))
    ]
    if compound:
        return [{"expression": compound[0], "acknowledgement": declared}]
    result: list[dict[str, Any]] = []
    for lic in licenses:
        if lic.expression:
            result.append({"license": {"id": lic.expression, "acknowledgement": declared}})
        elif lic.text:
            text = lic.text.strip()
            entry: dict[str, Any] = {
                "name": text.splitlines()[0][:200],
                "acknowledgement": declared,
            }
            if "\n" in text:
                entry["text"] = {"content": lic.text, "contentType": "text/plain"}
            result.append({"license": entry})
    return result


def _sorted(items: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(items, key=lambda p: (p["name"], p["value"]))
