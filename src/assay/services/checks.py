"""The documentation and monitoring checks, shared by `assay check` and certify."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assay.collectors.docs import DocsReport, inspect_docs
from assay.collectors.monitoring import inspect_monitoring
from assay.core.monitoring import MonitoringFacts, monitoring_problems
from assay.errors import UsageError

__all__ = [
    "DOCS_MEDIA_TYPE",
    "MONITORING_MEDIA_TYPE",
    "check_docs",
    "check_monitoring",
    "docs_document",
    "docs_problems",
    "monitoring_document",
]

DOCS_MEDIA_TYPE = "application/vnd.assay.documentation+json"
MONITORING_MEDIA_TYPE = "application/vnd.assay.monitoring+json"


def check_docs(project: Path) -> DocsReport:
    _require_folder(project)
    return inspect_docs(project)


def docs_document(report: DocsReport) -> str:
    """The documentation evidence document (the coverage ratio included)."""
    body: dict[str, Any] = {**asdict(report), "docstring_coverage": _coverage(report)}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def docs_problems(report: DocsReport) -> bool:
    """An invalid OpenAPI document, or an HTTP service without one."""
    return bool(report.openapi_errors) or (report.serves_http and not report.openapi)


def check_monitoring(project: Path) -> MonitoringFacts:
    _require_folder(project)
    return inspect_monitoring(project)


def monitoring_document(facts: MonitoringFacts) -> str:
    """The monitoring evidence document, with what falls short of PROD-008."""
    body = {**asdict(facts), "problems": monitoring_problems(facts)}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def _require_folder(project: Path) -> None:
    if not project.is_dir():
        raise UsageError(f"no such project folder: {project}", hint="pass the project's folder")


def _coverage(report: DocsReport) -> float | None:
    coverage = report.docstring_coverage
    return round(coverage, 4) if coverage is not None else None
