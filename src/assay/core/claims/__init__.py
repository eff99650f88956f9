"""Quantitative claims of completion reports: finding them in text, judging them.

Extraction works on segments of a parsed Markdown document (a paragraph, a list item, a
heading, a table row read as "metric: achieved value"). Each rule pairs a number with the
words that say what it measures; a number that is a target, a goal or a plan is not a
claim. Judging compares a claim with a measurement and a tolerance fitting its kind.
"""

from __future__ import annotations

from assay.core.claims.extract import extract_claims
from assay.core.claims.judge import judge_claim, self_contradiction
from assay.core.claims.model import (
    Claim,
    ClaimKind,
    ClaimResult,
    Measured,
    Measurement,
    Segment,
    Unmeasured,
    Verdict,
)

__all__ = [
    "Claim",
    "ClaimKind",
    "ClaimResult",
    "Measured",
    "Measurement",
    "Segment",
    "Unmeasured",
    "Verdict",
    "extract_claims",
    "judge_claim",
    "self_contradiction",
]
