"""Compliance: control catalogs, evidence mappings and their pure evaluation."""

from assay.core.compliance.evaluate import UNMAPPED, evaluate
from assay.core.compliance.model import (
    RECORDS,
    Catalog,
    ComplianceStatus,
    Control,
    ControlState,
    ControlStatus,
    EvidenceRef,
    Facts,
    NotApplicable,
    Proof,
    Requirement,
    Subject,
)
from assay.core.compliance.parse import parse_catalog, parse_not_applicable, parse_requirements

__all__ = [
    "RECORDS",
    "UNMAPPED",
    "Catalog",
    "ComplianceStatus",
    "Control",
    "ControlState",
    "ControlStatus",
    "EvidenceRef",
    "Facts",
    "NotApplicable",
    "Proof",
    "Requirement",
    "Subject",
    "evaluate",
    "parse_catalog",
    "parse_not_applicable",
    "parse_requirements",
]
