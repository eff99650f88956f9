"""The policy's data: evidence as checks see it, judgements, conditions, gates, policies."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assay.core.exemptions import Exemption
from assay.core.gates import GateSpec, GateStatus

if TYPE_CHECKING:
    from assay.core.policy.checks import _Reader

__all__ = [
    "AllOf",
    "AnyOf",
    "Check",
    "CheckDefinition",
    "CheckFunction",
    "Condition",
    "EvidenceView",
    "Gate",
    "Judgement",
    "Policy",
]


@dataclass(frozen=True)
class EvidenceView:
    """What a check may read of one piece of evidence."""

    kind: str
    sha256: str
    summary: Mapping[str, Any]
    problem: str | None = None
    """Why this evidence cannot be trusted (altered after it was stored): a check that
    reads it is unknown with this reason, whatever its summary says."""


@dataclass(frozen=True)
class Judgement:
    status: GateStatus
    explanation: str
    measured: str | None = None
    threshold: str | None = None
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Check:
    name: str
    params: tuple[tuple[str, Any], ...] = ()

    def param(self, key: str, defaults: Mapping[str, Any]) -> Any:
        """The parameter ``key``: as given, else the check's default."""
        return dict(self.params).get(key, defaults.get(key))


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


Condition = Check | AllOf | AnyOf


@dataclass(frozen=True)
class Gate:
    spec: GateSpec
    condition: Condition


@dataclass(frozen=True)
class Policy:
    gates: tuple[Gate, ...]
    waivers: tuple[Exemption, ...] = ()
    disabled: tuple[tuple[str, str], ...] = ()
    """Gates switched off, with the reason given."""

    def digest(self) -> str:
        """SHA-256 of the policy in canonical JSON: what a certificate says it applied."""
        body = {
            "gates": [
                {"id": g.spec.id, "title": g.spec.title, "condition": to_data(g.condition)}
                for g in self.gates
            ],
            "waivers": [
                {
                    "gate": w.subject,
                    "owner": w.owner,
                    "reason": w.reason,
                    "expires": w.expires.isoformat(),
                    "ticket": w.ticket,
                }
                for w in self.waivers
            ],
            "disabled": [list(d) for d in self.disabled],
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


CheckFunction = Callable[[Check, "_Reader"], Judgement]


@dataclass(frozen=True)
class CheckDefinition:
    function: CheckFunction
    needs: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)
    describe: str = ""


def to_data(condition: Condition) -> dict[str, Any]:
    """The condition as assay.toml writes it."""
    if isinstance(condition, Check):
        return {"check": condition.name, **{k: _thaw(v) for k, v in condition.params}}
    key = "all_of" if isinstance(condition, AllOf) else "any_of"
    return {key: [to_data(item) for item in condition.items]}


def _thaw(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
