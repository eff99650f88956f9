"""Agent hand-offs: the states work passes through, who may move it, and acceptance
criteria judged over evidence. Pure data and functions; the hand-off service stores them.

A hand-off is offered by one principal to another principal or to a role. The assignee
accepts (or declines), starts, and submits evidence; submitting runs the acceptance
criteria over that evidence. A reviewer who is not the submitter approves, or requests
changes (back to in progress). Only a submission whose criteria all pass can be approved.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACTIONS",
    "TERMINAL",
    "Action",
    "CheckResult",
    "Criterion",
    "CriterionKind",
    "State",
    "judge_criteria",
    "next_state",
    "parse_criteria",
]


class State(enum.StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


TERMINAL = frozenset({State.APPROVED, State.DECLINED, State.CANCELLED, State.EXPIRED})
"""States no action leaves."""


class Action(enum.StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    START = "start"
    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    CANCEL = "cancel"


S = State
ACTIONS: dict[Action, tuple[frozenset[State], State]] = {
    Action.ACCEPT: (frozenset({S.OFFERED}), S.ACCEPTED),
    Action.DECLINE: (frozenset({S.OFFERED, S.ACCEPTED}), S.DECLINED),
    Action.START: (frozenset({S.ACCEPTED, S.CHANGES_REQUESTED}), S.IN_PROGRESS),
    Action.SUBMIT: (frozenset({S.IN_PROGRESS, S.CHANGES_REQUESTED}), S.SUBMITTED),
    Action.APPROVE: (frozenset({S.SUBMITTED}), S.APPROVED),
    Action.REQUEST_CHANGES: (frozenset({S.SUBMITTED}), S.CHANGES_REQUESTED),
    Action.CANCEL: (frozenset(State) - TERMINAL, S.CANCELLED),
}
"""For each action: the states it may start from and the state it leads to. Changes
requested go back to work: the assignee starts again (or submits at once)."""


def next_state(current: State, action: Action) -> State | None:
    """The state ``action`` leads to from ``current``, or None when it is not allowed."""
    sources, target = ACTIONS[action]
    return target if current in sources else None


class CriterionKind(enum.StrEnum):
    TESTS_PASS = "tests_pass"
    COVERAGE_AT_LEAST = "coverage_at_least"
    NO_CONTRADICTED_CLAIMS = "no_contradicted_claims"
    GATE_PASSES = "gate_passes"


@dataclass(frozen=True)
class Criterion:
    check: CriterionKind
    value: float | None = None
    """coverage_at_least: the least line coverage, in percent."""
    gate: str | None = None
    """gate_passes: the gate's id (for example SEC-001)."""

    def describe(self) -> str:
        if self.check is CriterionKind.COVERAGE_AT_LEAST:
            return f"line coverage at least {self.value:g}%"
        if self.check is CriterionKind.GATE_PASSES:
            return f"gate {self.gate} passes"
        if self.check is CriterionKind.TESTS_PASS:
            return "tests ran and none failed"
        return "no contradicted claim"

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"check": self.check.value}
        if self.value is not None:
            body["value"] = self.value
        if self.gate is not None:
            body["gate"] = self.gate
        return body


@dataclass(frozen=True)
class CheckResult:
    criterion: Criterion
    passed: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.criterion.as_dict(),
            "description": self.criterion.describe(),
            "passed": self.passed,
            "detail": self.detail,
        }


def parse_criteria(raw: list[Mapping[str, Any]]) -> tuple[Criterion, ...]:
    """Criteria from their JSON form; ValueError names the first bad one."""
    criteria = []
    for index, entry in enumerate(raw):
        try:
            kind = CriterionKind(str(entry.get("check")))
        except ValueError:
            known = ", ".join(k.value for k in CriterionKind)
            raise ValueError(
                f"criterion {index}: unknown check {entry.get('check')!r} (known: {known})"
            ) from None
        value, gate = entry.get("value"), entry.get("gate")
        if kind is CriterionKind.COVERAGE_AT_LEAST:
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"criterion {index}: coverage_at_least needs a number value")
            if not 0 <= value <= 100:
                raise ValueError(f"criterion {index}: coverage is a percentage, 0 to 100")
            criteria.append(Criterion(kind, value=float(value)))
        elif kind is CriterionKind.GATE_PASSES:
            if not isinstance(gate, str) or not gate.strip():
                raise ValueError(f"criterion {index}: gate_passes needs the gate id in 'gate'")
            criteria.append(Criterion(kind, gate=gate.strip()))
        else:
            criteria.append(Criterion(kind))
    return tuple(criteria)


def judge_criteria(
    criteria: tuple[Criterion, ...],
    summaries: Mapping[str, Mapping[str, Any]],
    gates: Mapping[str, str],
) -> tuple[CheckResult, ...]:
    """Each criterion judged over the summaries of the submitted evidence (by kind) and the
    gate statuses of its run. Missing evidence fails the criterion: no claim without it."""
    return tuple(_judge(c, summaries, gates) for c in criteria)


def _judge(
    criterion: Criterion, summaries: Mapping[str, Mapping[str, Any]], gates: Mapping[str, str]
) -> CheckResult:
    kind = criterion.check
    if kind is CriterionKind.TESTS_PASS:
        tests = summaries.get("tests")
        if not tests:
            return CheckResult(criterion, False, "no test results in the submitted evidence")
        total, failed = int(tests.get("tests", 0)), _failed(tests)
        passed = total > 0 and failed == 0
        return CheckResult(criterion, passed, f"{total} tests, {failed} failed or errored")
    if kind is CriterionKind.COVERAGE_AT_LEAST:
        coverage = summaries.get("coverage") or {}
        rate = coverage.get("line_rate")
        if rate is None:
            return CheckResult(criterion, False, "no line coverage in the submitted evidence")
        percent = round(float(rate) * 100, 2)
        wanted = criterion.value or 0.0
        return CheckResult(criterion, percent >= wanted, f"line coverage {percent:g}%")
    if kind is CriterionKind.NO_CONTRADICTED_CLAIMS:
        claims = summaries.get("claims")
        if not claims:
            return CheckResult(criterion, False, "no claims check in the submitted evidence")
        contradicted = int(claims.get("contradicted", 0))
        detail = f"{claims.get('claims', 0)} claims, {contradicted} contradicted"
        return CheckResult(criterion, contradicted == 0, detail)
    status = gates.get(criterion.gate or "")
    if status is None:
        return CheckResult(criterion, False, f"no gate {criterion.gate} in the run's results")
    return CheckResult(criterion, status in ("pass", "waived"), f"gate {criterion.gate}: {status}")


def _failed(tests: Mapping[str, Any]) -> int:
    return int(tests.get("failed", 0)) + int(tests.get("error", 0))
