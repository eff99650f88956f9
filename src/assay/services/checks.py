"""The documentation and performance checks, shared by `assay check` and certify."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assay.collectors.docs import DocsReport, inspect_docs
from assay.collectors.results import read_benchmarks
from assay.core.perf import PerformanceComparison, compare
from assay.errors import UsageError

__all__ = [
    "DOCS_MEDIA_TYPE",
    "check_docs",
    "compare_benchmark_files",
    "docs_document",
    "docs_problems",
    "performance_document",
]

DOCS_MEDIA_TYPE = "application/vnd.assay.documentation+json"


def check_docs(project: Path) -> DocsReport:
    if not project.is_dir():
        raise UsageError(f"no such project folder: {project}", hint="pass the project's folder")
    return inspect_docs(project)


def docs_document(report: DocsReport) -> str:
    """The documentation evidence document (the coverage ratio included)."""
    body: dict[str, Any] = {**asdict(report), "docstring_coverage": _coverage(report)}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def docs_problems(report: DocsReport) -> bool:
    """An invalid OpenAPI document, or an HTTP service without one."""
    return bool(report.openapi_errors) or (report.serves_http and not report.openapi)


def compare_benchmark_files(current: Path, baseline: Path) -> PerformanceComparison:
    return compare(read_benchmarks(current), read_benchmarks(baseline))


def performance_document(result: PerformanceComparison) -> str:
    body = {**asdict(result), "regressions": [c.name for c in result.regressions]}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def _coverage(report: DocsReport) -> float | None:
    coverage = report.docstring_coverage
    return round(coverage, 4) if coverage is not None else None
