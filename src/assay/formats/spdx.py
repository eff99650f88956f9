"""SPDX 2.3 JSON documents.

Written as plain JSON rather than through spdx-tools: the document is a small, flat
structure, spdx-tools would add a large dependency tree and several seconds to a run, and
the output is checked against the official SPDX 2.3 JSON schema in the tests.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Any

from assay import __version__
from assay.core.inventory import Component, Inventory, License
from assay.formats.cyclonedx_json import content_uuid

__all__ = ["MEDIA_TYPE", "to_json"]

MEDIA_TYPE = "application/spdx+json; version=2.3"
_ALGORITHMS = {
    "md5": "MD5",
    "sha1": "SHA1",
    "sha256": "SHA256",
    "sha384": "SHA384",
    "sha512": "SHA512",
}
_ROOT_ID = "SPDXRef-RootProject"


def to_json(inventory: Inventory, created: datetime) -> str:
    """An SPDX 2.3 JSON document describing ``inventory``."""
    name = inventory.root.name if inventory.root else "python-environment"
    extracted: dict[str, str] = {}
    packages = [_package(c, extracted) for c in inventory.components]
    ids = {c.key: _spdx_id(c) for c in inventory.components}
    by_name: dict[str, list[str]] = {}
    for component in inventory.components:
        by_name.setdefault(component.name, []).append(ids[component.key])

    relationships: list[dict[str, str]] = []
    described = [_ROOT_ID] if inventory.root else [ids[c.key] for c in inventory.components]
    if inventory.root:
        packages.insert(0, _root_package(inventory))
    relationships += [_relation("SPDXRef-DOCUMENT", "DESCRIBES", element) for element in described]
    for edge in inventory.edges:
        sources = [_ROOT_ID] if edge.source == "" else by_name.get(edge.source, [])
        if edge.source == "" and not inventory.root:
            continue
        for source in sources:
            for target in by_name.get(edge.target, []):
                relationships.append(_relation(source, "DEPENDS_ON", target))

    document: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"{name} dependencies",
        "creationInfo": {
            "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "creators": [f"Tool: assay-{__version__}"],
        },
        "packages": packages,
        "relationships": _unique(relationships),
    }
    if extracted:
        document["hasExtractedLicensingInfos"] = [
            {"licenseId": ref, "extractedText": text, "name": text.splitlines()[0][:200]}
            for ref, text in sorted(extracted.items())
        ]
    # The namespace must be unique per document: derive it from the rest of the content.
    doc_uuid = content_uuid("spdx", document)
    document["documentNamespace"] = f"https://spdx.org/spdxdocs/assay/{_safe(name)}-{doc_uuid}"
    return (
        json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    )


def _package(component: Component, extracted: dict[str, str]) -> dict[str, Any]:
    package: dict[str, Any] = {
        "SPDXID": _spdx_id(component),
        "name": component.display_name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": _declared(component.licenses, extracted),
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "LIBRARY",
        "externalRefs": [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": component.purl,
            }
        ],
    }
    if component.version:
        package["versionInfo"] = component.version
    if component.summary:
        package["summary"] = component.summary
    checksums = sorted(
        {
            (_ALGORITHMS[h.algorithm], h.value)
            for h in component.hashes
            if h.algorithm in _ALGORITHMS
        }
    )
    if checksums:
        package["checksums"] = [{"algorithm": a, "checksumValue": v} for a, v in checksums]
    comments = [f"origin: {component.origin}"]
    if not component.pinned:
        comments.append(f"not pinned ({component.specifier or 'any version'})")
    package["comment"] = "; ".join(comments)
    return package


def _root_package(inventory: Inventory) -> dict[str, Any]:
    assert inventory.root is not None
    package: dict[str, Any] = {
        "SPDXID": _ROOT_ID,
        "name": inventory.root.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "APPLICATION",
    }
    if inventory.root.version:
        package["versionInfo"] = inventory.root.version
    return package


def _declared(licenses: tuple[License, ...], extracted: dict[str, str]) -> str:
    """One declared expression; several unrelated facts make no expression, so NOASSERTION."""
    if len(licenses) != 1:
        return "NOASSERTION"
    lic = licenses[0]
    if lic.expression:
        return lic.expression
    text = lic.text or ""
    ref = "LicenseRef-" + hashlib.sha256(text.encode()).hexdigest()[:16]
    extracted[ref] = text
    return ref


def _spdx_id(component: Component) -> str:
    return f"SPDXRef-Package-{_safe(component.name)}-{_safe(component.version or 'unpinned')}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text)


def _relation(element: str, kind: str, related: str) -> dict[str, str]:
    return {"relatedSpdxElement": related, "relationshipType": kind, "spdxElementId": element}


def _unique(relations: list[dict[str, str]]) -> list[dict[str, str]]:
    keyed = {
        (r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]): r for r in relations
    }
    return [keyed[key] for key in sorted(keyed)]
