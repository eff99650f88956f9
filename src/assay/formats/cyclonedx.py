"""CycloneDX 1.6 SBOMs (JSON and XML) through cyclonedx-python-lib."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from cyclonedx.model import (
    AttachedText,
    ExternalReference,
    ExternalReferenceType,
    HashAlgorithm,
    HashType,
    Property,
    XsUri,
)
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentScope, ComponentType
from cyclonedx.model.license import (
    DisjunctiveLicense,
    LicenseAcknowledgement,
    LicenseExpression,
)
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.output.xml import XmlV1Dot6
from packageurl import PackageURL

from assay import __version__
from assay.core.inventory import ArtifactHash, Component, Inventory, License
from assay.formats import inventory_json

__all__ = ["MEDIA_TYPE_JSON", "MEDIA_TYPE_XML", "build_bom", "to_json", "to_xml"]

MEDIA_TYPE_JSON = "application/vnd.cyclonedx+json; version=1.6"
MEDIA_TYPE_XML = "application/vnd.cyclonedx+xml; version=1.6"

_ALGORITHMS = {
    "md5": HashAlgorithm.MD5,
    "sha1": HashAlgorithm.SHA_1,
    "sha256": HashAlgorithm.SHA_256,
    "sha384": HashAlgorithm.SHA_384,
    "sha512": HashAlgorithm.SHA_512,
    "blake2b": HashAlgorithm.BLAKE2B_512,
}
_ROOT_REF = "root-project"


def build_bom(inventory: Inventory, created: datetime) -> Bom:
    """The CycloneDX model of ``inventory``.

    The serial number is derived from the inventory's content and the creation time, so
    the same input gives the same document.
    """
    seed = f"{inventory_json.digest(inventory)}:{created.isoformat()}"
    bom = Bom(serial_number=uuid.uuid5(uuid.NAMESPACE_URL, f"urn:assay:sbom:{seed}"))
    bom.metadata.timestamp = created
    bom.metadata.tools.components.add(
        CdxComponent(type=ComponentType.APPLICATION, name="assay", version=__version__)
    )
    bom.metadata.properties.update(
        Property(name=f"assay:source:{s.kind.value}", value=s.path) for s in inventory.sources
    )
    components = {c.key: _component(c) for c in inventory.components}
    bom.components.update(components.values())
    by_name: dict[str, list[CdxComponent]] = {}
    for component in inventory.components:
        by_name.setdefault(component.name, []).append(components[component.key])

    root = None
    if inventory.root:
        root = CdxComponent(
            type=ComponentType.APPLICATION,
            name=inventory.root.name,
            version=inventory.root.version,
            bom_ref=_ROOT_REF,
            purl=PackageURL(type="pypi", name=inventory.root.name, version=inventory.root.version),
        )
        bom.metadata.component = root
    targets: dict[str, set[str]] = {}
    for edge in inventory.edges:
        targets.setdefault(edge.source, set()).add(edge.target)
    if root is not None:
        bom.register_dependency(root, _lookup(by_name, targets.get("", ())))
    for component in inventory.components:
        bom.register_dependency(
            components[component.key], _lookup(by_name, targets.get(component.name, ()))
        )
    return bom


def to_json(inventory: Inventory, created: datetime) -> str:
    """CycloneDX 1.6 JSON, two-space indented."""
    return JsonV1Dot6(build_bom(inventory, created)).output_as_string(indent=2) + "\n"


def to_xml(inventory: Inventory, created: datetime) -> str:
    """CycloneDX 1.6 XML, indented."""
    return XmlV1Dot6(build_bom(inventory, created)).output_as_string(indent=2) + "\n"


def _lookup(by_name: dict[str, list[CdxComponent]], names: Iterable[str]) -> list[CdxComponent]:
    return [c for name in sorted(names) for c in by_name.get(name, [])]


def _component(component: Component) -> CdxComponent:
    properties = [Property(name="assay:origin", value=str(component.origin))]
    if not component.pinned:
        properties.append(Property(name="assay:pinned", value="false"))
        if component.specifier:
            properties.append(Property(name="assay:specifier", value=component.specifier))
    if component.marker:
        properties.append(Property(name="assay:marker", value=component.marker))
    if component.location:
        properties.append(Property(name="assay:location", value=component.location))
    properties += [Property(name="assay:group", value=g) for g in component.groups]
    plain = [h for h in component.hashes if not h.url]
    return CdxComponent(
        type=ComponentType.LIBRARY,
        name=component.display_name,
        version=component.version,
        bom_ref=component.purl,
        purl=PackageURL(type="pypi", name=component.name, version=component.version),
        description=component.summary,
        scope=ComponentScope.OPTIONAL if component.groups else ComponentScope.REQUIRED,
        licenses=_licenses(component.licenses),
        hashes=_hashes(plain),
        external_references=_distributions(h for h in component.hashes if h.url),
        properties=properties,
    )


def _hashes(hashes: Iterable[ArtifactHash]) -> list[HashType]:
    return sorted(
        {
            HashType(alg=_ALGORITHMS[h.algorithm], content=h.value)
            for h in hashes
            if h.algorithm in _ALGORITHMS
        }
    )


def _distributions(hashes: Iterable[ArtifactHash]) -> list[ExternalReference]:
    by_url: dict[str, list[ArtifactHash]] = {}
    for h in hashes:
        by_url.setdefault(str(h.url), []).append(h)
    return [
        ExternalReference(
            type=ExternalReferenceType.DISTRIBUTION, url=XsUri(url), hashes=_hashes(group)
        )
        for url, group in sorted(by_url.items())
    ]


def _licenses(licenses: tuple[License, ...]) -> list[DisjunctiveLicense | LicenseExpression]:
    declared = LicenseAcknowledgement.DECLARED
    compound = [
        lic
        for lic in licenses
        if lic.expression and (" " in lic.expression or lic.expression.startswith("LicenseRef-"))
    ]
    if compound:
        # CycloneDX allows one expression or a list of single licences, never both.
        return [LicenseExpression(value=compound[0].expression or "", acknowledgement=declared)]
    result: list[DisjunctiveLicense | LicenseExpression] = []
    for lic in licenses:
        if lic.expression:
            result.append(DisjunctiveLicense(id=lic.expression, acknowledgement=declared))
        elif lic.text:
            first_line = lic.text.strip().splitlines()[0][:200]
            text = AttachedText(content=lic.text) if "\n" in lic.text.strip() else None
            result.append(DisjunctiveLicense(name=first_line, text=text, acknowledgement=declared))
    return result
