"""The SBOM formats Assay writes (a tiny module so the CLI can name them cheaply)."""

from __future__ import annotations

import enum

__all__ = ["SbomFormat"]


class SbomFormat(enum.StrEnum):
    CYCLONEDX_JSON = "cyclonedx-json"
    CYCLONEDX_XML = "cyclonedx-xml"
    SPDX_JSON = "spdx-json"
