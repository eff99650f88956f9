"""Every document Assay writes, by result type and format name: the one table the command
line, the REST API and the MCP server choose output formats from.

A formatter takes the result (and, for some formats, keyword options such as the SARIF
artifact URI) and returns the document as text; it writes no file. ``render`` gives
bytes, ``formats_of`` the names a result type can be written as.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from assay.collectors.docs import DocsReport
from assay.core.claims.model import ClaimsCheck
from assay.core.gates import GatesOutcome
from assay.core.monitoring import MonitoringFacts
from assay.core.perf import PerformanceCheck
from assay.core.quality import QualityReport
from assay.core.report import RunReport
from assay.core.scan import ScanResult
from assay.core.secrets import SecretsResult
from assay.core.sixsigma_report import SixSigmaReport
from assay.core.slo import SloCheck
from assay.errors import UsageError
from assay.formats import checks, claims, gates, quality, report, sarif, scan_json, secrets
from assay.formats import sixsigma as sixsigma_format

__all__ = ["Format", "formats_of", "render"]


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    write: Callable[..., str]
    """``write(result, **options)``: the document."""


JSON = "application/json"

_FORMATS: Mapping[type, tuple[Format, ...]] = {
    RunReport: (
        Format("json", JSON, report.to_json),
        Format("markdown", "text/markdown", report.to_markdown),
    ),
    GatesOutcome: (Format("json", JSON, gates.gates_document),),
    ClaimsCheck: (Format("json", JSON, claims.claims_document),),
    ScanResult: (
        Format("json", JSON, scan_json.dumps),
        Format("sarif", "application/sarif+json", sarif.to_sarif),
    ),
    QualityReport: (
        Format("json", JSON, quality.to_json),
        Format("sarif", "application/sarif+json", quality.to_sarif),
    ),
    SecretsResult: (Format("json", JSON, secrets.to_json),),
    SloCheck: (Format("json", JSON, checks.slo_document),),
    PerformanceCheck: (Format("json", JSON, checks.performance_document),),
    DocsReport: (Format("json", JSON, checks.docs_document),),
    MonitoringFacts: (Format("json", JSON, checks.monitoring_document),),
    SixSigmaReport: (Format("json", JSON, sixsigma_format.sixsigma_document),),
}


def _formats(kind: type) -> tuple[Format, ...]:
    for base in kind.__mro__:
        if base in _FORMATS:
            return _FORMATS[base]
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
