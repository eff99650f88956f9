"""The documentation and monitoring checks, shared by `assay check` and certify."""

from __future__ import annotations

from pathlib import Path

from assay.collectors.docs import DocsReport, inspect_docs
from assay.collectors.monitoring import inspect_monitoring
from assay.core.monitoring import MonitoringFacts
from assay.errors import UsageError
from assay.formats.checks import docs_document, monitoring_document

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


def docs_problems(report: DocsReport) -> bool:
    """An invalid OpenAPI document, or an HTTP service without one."""
    return bool(report.openapi_errors) or (report.serves_http and not report.openapi)


def check_monitoring(project: Path) -> MonitoringFacts:
    _require_folder(project)
    return inspect_monitoring(project)


def _require_folder(project: Path) -> None:
    if not project.is_dir():
        raise UsageError(f"no such project folder: {project}", hint="pass the project's folder")
