"""CycloneDX 1.6 through cyclonedx-python-lib: the XML form, and the library's reading of ours.

The JSON form is written by ``formats.cyclonedx_json``; the library parses it into its
own model, from which it writes XML. The tests use the same path to check that the
library reproduces the JSON exactly.
"""

from __future__ import annotations

from datetime import datetime

from cyclonedx.model.bom import Bom
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.output.xml import XmlV1Dot6

from assay.core.inventory import Inventory
from assay.formats import cyclonedx_json

__all__ = ["build_bom", "library_json", "to_xml"]


def build_bom(inventory: Inventory, created: datetime) -> Bom:
    """The library's model of the document Assay writes for ``inventory``."""
    bom = Bom.from_json(cyclonedx_json.document(inventory, created))  # type: ignore[attr-defined]
    assert isinstance(bom, Bom)
    return bom


def to_xml(inventory: Inventory, created: datetime) -> str:
    """CycloneDX 1.6 XML, indented."""
    return XmlV1Dot6(build_bom(inventory, created)).output_as_string(indent=2) + "\n"


def library_json(inventory: Inventory, created: datetime) -> str:
    """The JSON the library writes from its reading of Assay's document (for checks)."""
    return JsonV1Dot6(build_bom(inventory, created)).output_as_string(indent=2)
