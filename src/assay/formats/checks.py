"""The JSON documents of the checks: documentation, monitoring, SLOs, performance and
integration tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from assay.collectors.docs import DocsReport
from assay.core.integration import DeclaredTest, IntegrationSummary
from assay.core.monitoring import MonitoringFacts, monitoring_problems
from assay.core.perf import PerformanceCheck
from assay.core.slo import (
    SloCheck,
)

__all__ = [
    "docs_document",
    "integration_document",
    "monitoring_document",
    "performance_document",
    "slo_document",
]


def docs_document(report: DocsReport) -> str:
    """The documentation evidence document (the coverage ratio included)."""
    body: dict[str, Any] = {**asdict(report), "docstring_coverage": _coverage(report)}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def monitoring_document(facts: MonitoringFacts) -> str:
    """The monitoring evidence document, with what falls short of PROD-008."""
    body = {**asdict(facts), "problems": monitoring_problems(facts)}
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def _coverage(report: DocsReport) -> float | None:
    coverage = report.docstring_coverage
    return round(coverage, 4) if coverage is not None else None


def slo_document(check: SloCheck) -> str:
    body = {
        "results": [{**asdict(s), "error_rate": s.error_rate} for s in check.summaries],
        "targets": asdict(check.targets),
        "objectives": [asdict(r) for r in check.objectives],
        "status": check.status.value if check.targets.declared else "no objectives",
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def performance_document(check: PerformanceCheck) -> str:
    result = check.comparison
    body = {
        **asdict(result),
        "regressions": [c.name for c in result.regressions],
        "baseline": check.baseline.source,
        "baseline_run": check.baseline.run_id,
        "current": list(check.current_sources),
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def integration_document(declared: Sequence[DeclaredTest], summary: IntegrationSummary) -> str:
    body = {
        "declared": [{**asdict(test), "node": test.node} for test in declared],
        "summary": {**asdict(summary), "all_passed": summary.all_passed},
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"
