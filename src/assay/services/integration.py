"""Integration tests of a project and their results, for PROD-005."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from assay.collectors.integration import find_integration_tests
from assay.core.integration import DeclaredTest, IntegrationSummary, summarise_integration
from assay.core.results import TestReport
from assay.formats.checks import integration_document

__all__ = ["MEDIA_TYPE", "integration_document", "integration_evidence"]

MEDIA_TYPE = "application/vnd.assay.integration-tests+json"


def integration_evidence(
    project: Path, reports: Sequence[TestReport]
) -> tuple[list[DeclaredTest], IntegrationSummary]:
    declared = find_integration_tests(project)
    cases = [case for report in reports for case in report.cases]
    return declared, summarise_integration(declared, cases)
