"""Every document Assay writes, by result type and format name: the one table the command
line, the REST API and the MCP server choose output formats from.

A formatter takes the result (and, for some formats, keyword options such as the SARIF
artifact URI) and returns the document as text; it writes no file. ``render`` gives
bytes, ``formats_of`` the names a result type can be written as.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assay.errors import UsageError

__all__ = ["Format", "formats_of", "render"]


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    writer: str
    """``module:function`` of ``write(result, **options)``, imported when first used: a
    command that writes one document does not import every writer and result type."""

    @property
    def write(self) -> Callable[..., str]:
        module, _, function = self.writer.partition(":")
        found: Callable[..., str] = getattr(importlib.import_module(module), function)
        return found


JSON = "application/json"
_F = "assay.formats."

_FORMATS: Mapping[str, tuple[Format, ...]] = {
    "assay.core.report.RunReport": (
        Format("json", JSON, _F + "report:to_json"),
        Format("markdown", "text/markdown", _F + "report:to_markdown"),
    ),
    "assay.core.gates.GatesOutcome": (Format("json", JSON, _F + "gates:gates_document"),),
    "assay.core.claims.model.ClaimsCheck": (Format("json", JSON, _F + "claims:claims_document"),),
    "assay.core.scan.ScanResult": (
        Format("json", JSON, _F + "scan_json:dumps"),
        Format("sarif", "application/sarif+json", _F + "sarif:to_sarif"),
    ),
    "assay.core.quality.QualityReport": (
        Format("json", JSON, _F + "quality:to_json"),
        Format("sarif", "application/sarif+json", _F + "quality:to_sarif"),
    ),
    "assay.core.secrets.SecretsResult": (Format("json", JSON, _F + "secrets:to_json"),),
    "assay.core.slo.SloCheck": (Format("json", JSON, _F + "checks:slo_document"),),
    "assay.core.perf.PerformanceCheck": (Format("json", JSON, _F + "checks:performance_document"),),
    "assay.collectors.docs.DocsReport": (Format("json", JSON, _F + "checks:docs_document"),),
    "assay.core.monitoring.MonitoringFacts": (
        Format("json", JSON, _F + "checks:monitoring_document"),
    ),
    "assay.core.sixsigma_report.SixSigmaReport": (
        Format("json", JSON, _F + "sixsigma:sixsigma_document"),
    ),
}
"""Result types by dotted name (module and qualified name), so the table imports none."""


def _formats(kind: type) -> tuple[Format, ...]:
    for base in kind.__mro__:
        found = _FORMATS.get(f"{base.__module__}.{base.__qualname__}")
        if found is not None:
            return found
    return ()


def formats_of(kind: type) -> tuple[str, ...]:
    """The format names a result of ``kind`` can be written as (``json`` for every one)."""
    return tuple(f.name for f in _formats(kind))


def _find(result: object, name: str) -> Format:
    for found in _formats(type(result)):
        if found.name == name:
            return found
    known = ", ".join(formats_of(type(result))) or "none"
    raise UsageError(
        f"{type(result).__name__} cannot be written as {name!r}",
        hint=f"formats: {known}",
    )


def render(result: object, name: str, **options: Any) -> bytes:
    """``result`` as the document ``name`` (UTF-8); UsageError naming the formats there
    are when it has no such format."""
    return _find(result, name).write(result, **options).encode("utf-8")
