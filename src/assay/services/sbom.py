"""The SBOM use case: inventory a project, environment or lockfile and write a standard document."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assay.collectors.probe import ProbeRun, find_interpreter
from assay.errors import ConfigError
from assay.services.sbom_format import SbomFormat

if TYPE_CHECKING:
    from assay.core.inventory import Inventory

# This module imports the collectors and writers inside its functions: the probe of an
# environment starts first, and Assay loads them while the other interpreter works.

__all__ = ["SbomFormat", "document_time", "generate", "inventory_for", "render", "validate"]


def inventory_for(
    target: Path, *, python: str | None = None, environment: bool = False
) -> Inventory:
    """The inventory of ``target`` (a project folder or a dependency file)."""
    probe = None
    if (python is not None or environment) and target.is_dir():
        probe = ProbeRun(find_interpreter(python, target))
    try:
        from assay.collectors.detect import collect_inventory

        return collect_inventory(target, python=python, environment=environment, probe=probe)
    finally:
        if probe is not None:
            probe.close()


def generate(
    target: Path, fmt: SbomFormat, *, python: str | None = None, environment: bool = False
) -> tuple[Inventory, str]:
    """Inventory ``target`` and render it in ``fmt``."""
    inventory = inventory_for(target, python=python, environment=environment)
    return inventory, render(inventory, fmt)


def document_time(inventory: Inventory) -> datetime:
    """The time a document states: SOURCE_DATE_EPOCH when set, else the newest input's.

    Never the wall clock, so the same input gives a byte-identical document.
    """
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw:
        try:
            epoch = int(raw)
        except ValueError as exc:
            raise ConfigError(
                f"SOURCE_DATE_EPOCH={raw!r} is not a whole number of seconds",
                hint="set it to the output of: git log -1 --format=%ct",
            ) from exc
    else:
        epoch = inventory.document_time or 0
    return datetime.fromtimestamp(epoch, UTC)


def render(inventory: Inventory, fmt: SbomFormat) -> str:
    """The document text for ``inventory`` in ``fmt``."""
    return _writer(fmt)(inventory, document_time(inventory))


def _writer(fmt: SbomFormat) -> Callable[[Inventory, datetime], str]:
    """The writer function of ``fmt``; its module is imported on first use."""
    if fmt is SbomFormat.SPDX_JSON:
        from assay.formats import spdx

        return spdx.to_json
    if fmt is SbomFormat.CYCLONEDX_XML:
        from assay.formats import cyclonedx

        return cyclonedx.to_xml
    from assay.formats import cyclonedx_json

    return cyclonedx_json.to_json


def validate(document: str, fmt: SbomFormat) -> list[str]:
    """Schema errors in a CycloneDX document (needs the validation extras); [] when valid."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
    from cyclonedx.validation.xml import XmlValidator

    if fmt is SbomFormat.SPDX_JSON:
        raise ConfigError(
            "--validate checks CycloneDX documents only",
            hint="validate SPDX output with the SPDX tools, or drop --validate",
        )
    validator = (
        XmlValidator(SchemaVersion.V1_6)
        if fmt is SbomFormat.CYCLONEDX_XML
        else JsonStrictValidator(SchemaVersion.V1_6)
    )
    try:
        error = validator.validate_str(document)
    except ImportError as exc:  # the optional validation dependencies are missing
        raise ConfigError(
            "schema validation needs extra packages",
            hint="install Assay with its validate extra: pip install 'assay[validate]'",
        ) from exc
    return [str(error)] if error else []
