"""Policy as code: gates made of checks over evidence, composed with all_of / any_of.

A check reads the summaries of the run's evidence and says pass, fail or unknown with
the measured value and the threshold. Missing evidence is unknown; so is ambiguity (two
pieces of the same kind, a figure of the wrong type). Unknown never passes.
"""

from __future__ import annotations

from assay.core.policy.checks import CHECKS, needs_of
from assay.core.policy.defaults import DEFAULT_POLICY
from assay.core.policy.evaluate import evaluate_policy
from assay.core.policy.model import (
    AllOf,
    AnyOf,
    Check,
    Condition,
    EvidenceView,
    Gate,
    Judgement,
    Policy,
)
from assay.core.policy.parse import accepted_params, parse_condition, to_data, with_params

__all__ = [
    "CHECKS",
    "DEFAULT_POLICY",
    "AllOf",
    "AnyOf",
    "Check",
    "Condition",
    "EvidenceView",
    "Gate",
    "Judgement",
    "Policy",
    "accepted_params",
    "evaluate_policy",
    "needs_of",
    "parse_condition",
    "to_data",
    "with_params",
]
