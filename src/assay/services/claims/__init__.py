"""The claims use case: extract a report's claims and judge each against measurements.

Measurements come from the run's evidence (in certify) or the project's newest stored run
(from the CLI), from result files in the tree, and from the tree itself: line counts,
files, routes, a pytest collection run, the report's own task list.
"""

from __future__ import annotations

from assay.services.claims.measurements import Measurements
from assay.services.claims.service import (
    MEDIA_TYPE,
    ClaimsCheck,
    check_claims,
    claims_document,
    find_reports,
    measurements_for,
)

__all__ = [
    "MEDIA_TYPE",
    "ClaimsCheck",
    "Measurements",
    "check_claims",
    "claims_document",
    "find_reports",
    "measurements_for",
]
