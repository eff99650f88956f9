"""The claims use case's entry points: find the reports, check their claims, write the
document."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from assay.collectors._files import relative_path, walk_files
from assay.collectors.claims_report import read_report
from assay.core.claims import ClaimResult, extract_claims, judge_claim
from assay.core.claims.model import ClaimsCheck
from assay.errors import UsageError
from assay.formats.claims import claims_document
from assay.services.claims.measure import measure
from assay.services.claims.measurements import Measurements
from assay.services.context import Context
from assay.settings import Settings

__all__ = [
    "MEDIA_TYPE",
    "ClaimsCheck",
    "check_claims",
    "claims_document",
    "find_reports",
    "measurements_for",
]

MEDIA_TYPE = "application/vnd.assay.claims+json"
_REPORT_NAME = re.compile(
    r"(?i)(complet|report|status|summary|phase|milestone|handoff|hand-off|progress|"
    r"readiness|certification|release[-_ ]notes)"
)


def find_reports(project: Path, settings: Settings) -> list[Path]:
    """The reports of ``[claims] reports``, or else report-like Markdown files found."""
    declared = settings.claims.reports
    if declared:
        paths = [project / p for p in declared]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise UsageError(
                f"declared report not found: {', '.join(missing)}",
                hint="fix [claims] reports in assay.toml (paths relative to the project)",
            )
        return paths
    return [
        path
        for path in walk_files(project, (".md", ".markdown"))
        if _REPORT_NAME.search(path.stem) and not path.stem.upper().startswith(("README", "CHANGE"))
    ]


def check_claims(reports: Sequence[Path], measurements: Measurements, project: Path) -> ClaimsCheck:
    results: list[ClaimResult] = []
    names = []
    for path in reports:
        report = read_report(path)
        names.append(relative_path(path, project))
        claims = extract_claims(report.segments)
        measurements.near = path.parent
        measurements.report, measurements.report_claims = report, tuple(claims)
        results += [judge_claim(c, measure(c, measurements, report)) for c in claims]
    source = measurements.evidence_source if results else "none needed"
    return ClaimsCheck(tuple(names), tuple(results), source)


def measurements_for(
    project: Path,
    ctx: Context | None,
    *,
    summaries: Mapping[str, Mapping[str, Any]] | None = None,
    source: str = "",
) -> Measurements:
    """Measurements of the project; without ``summaries``, those of its newest stored run
    (in ``ctx``'s store; None: the tree alone)."""
    return Measurements(project, summaries, source, ctx)
