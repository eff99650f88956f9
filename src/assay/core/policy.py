"""Policy as code: gates made of checks over evidence, composed with all_of / any_of.

A check reads the summaries of the run's evidence and says pass, fail or unknown with
the measured value and the threshold. Missing evidence is unknown; so is ambiguity (two
pieces of the same kind, a figure of the wrong type). Unknown never passes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from assay.core.evidence import EvidenceKind
from assay.core.gates import GateResult, GateSpec, GateStatus, Waiver
from assay.errors import PolicyError

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

    def param(self, key: str) -> Any:
        return dict(self.params).get(key, CHECKS[self.name].defaults.get(key))


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
    waivers: tuple[Waiver, ...] = ()
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
                    "gate": w.gate,
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


# --- checks -------------------------------------------------------------------------------

CheckFunction = Callable[[Check, "_Reader"], Judgement]


@dataclass(frozen=True)
class CheckDefinition:
    function: CheckFunction
    needs: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)
    describe: str = ""


class _Unknown(Exception):
    """A figure the check needs is missing or ambiguous."""


class _Reader:
    """Reads figures from the evidence, raising _Unknown when it cannot do so surely."""

    def __init__(self, evidence: Mapping[str, Sequence[EvidenceView]]) -> None:
        self.evidence = evidence
        self.used: list[str] = []

    def view(self, kind: str) -> EvidenceView:
        views = self.evidence.get(kind, ())
        if not views:
            raise _Unknown(f"no {kind} evidence in this run")
        if len(views) > 1:
            raise _Unknown(f"ambiguous: {len(views)} pieces of {kind} evidence in one run")
        self.used.append(views[0].sha256)
        if views[0].problem:
            raise _Unknown(views[0].problem)
        return views[0]

    def number(self, kind: str, key: str, default: float | None = None) -> float:
        value = self.view(kind).summary.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            shown = "missing" if value is None else f"{value!r}, not a number"
            raise _Unknown(f"{kind} evidence has no usable {key} ({shown})")
        return float(value)

    def value(self, kind: str, key: str) -> Any:
        return self.view(kind).summary.get(key)


def _judge(ok: bool, measured: str, threshold: str, passed: str, failed: str) -> Judgement:
    status = GateStatus.PASS if ok else GateStatus.FAIL
    return Judgement(status, passed if ok else failed, measured, threshold)


def _tests_pass(check: Check, read: _Reader) -> Judgement:
    total = read.number("tests", "tests")
    failed = read.number("tests", "failed", 0) + read.number("tests", "error", 0)
    if total == 0:
        return Judgement(GateStatus.FAIL, "the test results hold no tests", "0 tests", "> 0")
    return _judge(
        failed == 0,
        f"{failed:g} of {total:g} tests failed",
        "0 failed",
        f"all {total:g} collected tests passed",
        f"{failed:g} of {total:g} tests failed or errored",
    )


def _no_stubs(check: Check, read: _Reader) -> Judgement:
    stubs = read.number("theater", "stubs")
    return _judge(
        stubs == 0,
        f"{stubs:g} stubs",
        "0",
        "no stub in shipped code",
        f"{stubs:g} shipped function(s) are stubs (TH-S001)",
    )


def _no_test_theater(check: Check, read: _Reader) -> Judgement:
    theater = read.number("theater", "test_theater")
    return _judge(
        theater == 0,
        f"{theater:g} findings",
        "0",
        "no test theater",
        f"{theater:g} test-theater finding(s) (TH-T rules; smoke tests are not counted)",
    )


def _benchmark_regression(check: Check, read: _Reader) -> Judgement:
    limit = float(check.param("max_regression_percent"))
    regression = read.number("performance", "regression_percent")
    return _judge(
        regression <= limit,
        f"{regression:+.2f}%",
        f"<= {limit:g}%",
        f"benchmarks {regression:+.2f}% against the baseline (changes inside their noise "
        "count as none)",
        f"benchmarks regressed {regression:+.2f}% against the baseline (limit {limit:g}%)",
    )


def _vulnerabilities(check: Check, read: _Reader) -> Judgement:
    status = read.value("vulnerabilities", "status")
    if status != "complete":
        reason = read.value("vulnerabilities", "reason")
        raise _Unknown(
            "vulnerabilities were not checked against any data (status unknown"
            + (f": {reason})" if isinstance(reason, str) and reason else ")")
        )
    levels = list(check.param("fail_on"))
    found = {level: read.number("vulnerabilities", level, 0) for level in levels}
    total = sum(found.values())
    shown = ", ".join(f"{n:g} {level}" for level, n in found.items())
    return _judge(
        total == 0,
        shown,
        f"0 {'/'.join(levels)}",
        f"no unsuppressed {' or '.join(levels)} vulnerability",
        f"unsuppressed vulnerabilities: {shown}",
    )


def _no_secrets(check: Check, read: _Reader) -> Judgement:
    """Findings in test code and test data are counted apart; they fail the check only when
    the evidence says ``[secrets] fail_on_test_fixtures`` was set."""
    findings = read.number("secrets", "findings")
    fixtures = read.number("secrets", "test_fixtures", 0)
    fail_on_fixtures = read.value("secrets", "fail_on_test_fixtures") is True
    counted = findings + (fixtures if fail_on_fixtures else 0)
    measured = f"{findings:g} secrets"
    aside = ""
    if fixtures:
        measured += f", {fixtures:g} in test fixtures"
        aside = (
            f" ({fixtures:g} in test fixtures, counted: fail_on_test_fixtures = true)"
            if fail_on_fixtures
            else f" ({fixtures:g} in test fixtures, reported apart and not counted)"
        )
    return _judge(
        counted == 0,
        measured,
        "0",
        f"no secret in the tree{aside}",
        f"{counted:g} secret(s) in force in the tree{aside}",
    )


def _power_of_ten(check: Check, read: _Reader) -> Judgement:
    minimum = float(check.param("min_compliance"))
    unmeasured = read.value("static-analysis", "unmeasured")
    if isinstance(unmeasured, str) and unmeasured:
        raise _Unknown(f"Power-of-Ten compliance is unknown: {unmeasured}")
    compliance = read.number("static-analysis", "compliance")
    return _judge(
        compliance >= minimum,
        f"{compliance:.1%}",
        f">= {minimum:.0%}",
        f"{compliance:.1%} of functions comply with the adapted Power-of-Ten rules",
        f"only {compliance:.1%} of functions comply (at least {minimum:.0%} needed)",
    )


def _integration(check: Check, read: _Reader) -> Judgement:
    executed = read.number("integration-tests", "executed")
    failed = read.number("integration-tests", "failed")
    not_run = read.number("integration-tests", "not_run", 0)
    if executed == 0:
        return Judgement(GateStatus.FAIL, "no integration test ran", "0 run", "> 0 run, 0 failed")
    return _judge(
        failed == 0 and not_run == 0,
        f"{executed:g} run, {failed:g} failed, {not_run:g} not run",
        "0 failed, 0 not run",
        f"{executed:g} integration test case(s) ran and passed",
        f"integration tests: {failed:g} failed, {not_run:g} declared but not run",
    )


def _provenance(check: Check, read: _Reader) -> Judgement:
    verified = read.number("provenance", "verified")
    failed = read.number("provenance", "failed")
    if verified + failed == 0:
        return Judgement(GateStatus.FAIL, "no provenance to verify", "0 documents", ">= 1")
    return _judge(
        failed == 0,
        f"{verified:g} verified, {failed:g} failed",
        "all verify",
        f"{verified:g} provenance document(s) verify",
        f"{failed:g} provenance document(s) do not verify",
    )


def _slo(check: Check, read: _Reader) -> Judgement:
    status = read.value("load-tests", "status")
    if status == "no objectives":
        raise _Unknown("load-test results exist but no [slo] objectives are declared")
    if status not in ("met", "missed", "unmeasured"):
        raise _Unknown(f"load-test evidence has no usable status ({status!r})")
    if status == "unmeasured":
        raise _Unknown("some objectives are not measured by any load-test result")
    return _judge(
        status == "met",
        status,
        "every objective met",
        "load tests meet every declared objective",
        "load tests miss a declared objective",
    )


def _documentation(check: Check, read: _Reader) -> Judgement:
    words = read.number("documentation", "readme_words")
    coverage = read.number("documentation", "docstring_coverage")
    min_words, min_coverage = (
        float(check.param("min_readme_words")),
        float(check.param("min_docstring_coverage")),
    )
    problems = []
    if words < min_words:
        problems.append(f"README has {words:g} words (at least {min_words:g})")
    if coverage < min_coverage:
        problems.append(f"docstring coverage {coverage:.0%} (at least {min_coverage:.0%})")
    if (
        read.value("documentation", "serves_http")
        and read.value("documentation", "openapi_valid") is not True
    ):
        problems.append("serves HTTP without a valid OpenAPI document")
    return _judge(
        not problems,
        f"README {words:g} words, docstrings {coverage:.0%}",
        f"README >= {min_words:g} words, docstrings >= {min_coverage:.0%}, API docs if HTTP",
        "README, API docs and docstrings meet the thresholds",
        "; ".join(problems),
    )


def _monitoring(check: Check, read: _Reader) -> Judgement:
    problems = read.number("monitoring", "problems")
    return _judge(
        problems == 0,
        f"{problems:g} problems",
        "0",
        "health and metrics endpoints or alert rules are declared and parse",
        f"{problems:g} monitoring problem(s): see the monitoring evidence",
    )


def _claims(check: Check, read: _Reader) -> Judgement:
    contradicted = read.number("claims", "contradicted")
    if read.number("claims", "reports", 0) == 0:
        return Judgement(
            GateStatus.PASS,
            "no completion report is declared or found, so no claim can be contradicted",
            "0 reports",
            "0 contradicted",
        )
    return _judge(
        contradicted == 0,
        f"{contradicted:g} contradicted",
        "0",
        "no claim of the completion reports is contradicted by the evidence",
        f"{contradicted:g} claim(s) contradicted by the evidence",
    )


_OPERATORS = {
    "min": (">=", float.__ge__),
    "max": ("<=", float.__le__),
    "equals": ("==", float.__eq__),
}


def _metric(check: Check, read: _Reader) -> Judgement:
    kind, key = str(check.param("evidence")), str(check.param("field"))
    measured = read.number(kind, key)
    for name, (symbol, compare) in _OPERATORS.items():
        bound = check.param(name)
        if bound is not None and not compare(measured, float(bound)):
            return Judgement(
                GateStatus.FAIL,
                f"{kind} {key} is {measured:g}, not {symbol} {bound:g}",
                f"{measured:g}",
                f"{symbol} {bound:g}",
            )
    bounds = [
        f"{symbol} {check.param(name):g}"
        for name, (symbol, _) in _OPERATORS.items()
        if check.param(name) is not None
    ]
    return Judgement(
        GateStatus.PASS, f"{kind} {key} is {measured:g}", f"{measured:g}", ", ".join(bounds)
    )


CHECKS: dict[str, CheckDefinition] = {
    "tests-pass": CheckDefinition(_tests_pass, ("tests",), describe="every collected test passes"),
    "no-stubs": CheckDefinition(_no_stubs, ("theater",), describe="no stub in shipped code"),
    "no-test-theater": CheckDefinition(_no_test_theater, ("theater",)),
    "benchmark-regression": CheckDefinition(
        _benchmark_regression, ("performance",), {"max_regression_percent": 4.7}
    ),
    # An unscored vulnerability may be critical: it fails until scored or suppressed.
    "vulnerabilities": CheckDefinition(
        _vulnerabilities, ("vulnerabilities",), {"fail_on": ["critical", "high", "unknown"]}
    ),
    "no-secrets": CheckDefinition(_no_secrets, ("secrets",)),
    "power-of-ten": CheckDefinition(_power_of_ten, ("static-analysis",), {"min_compliance": 0.95}),
    "integration-tests-pass": CheckDefinition(_integration, ("integration-tests",)),
    "provenance-verifies": CheckDefinition(_provenance, ("provenance",)),
    "slo-met": CheckDefinition(_slo, ("load-tests",)),
    "documentation": CheckDefinition(
        _documentation,
        ("documentation",),
        {"min_readme_words": 50, "min_docstring_coverage": 0.8},
    ),
    "monitoring": CheckDefinition(_monitoring, ("monitoring",)),
    "no-contradicted-claims": CheckDefinition(_claims, ("claims",)),
    "metric": CheckDefinition(
        _metric, (), {"evidence": None, "field": None, "min": None, "max": None, "equals": None}
    ),
}


# --- the default policy -------------------------------------------------------------------

K = EvidenceKind


def _gate(id: str, title: str, passes_when: str, condition: Condition) -> Gate:
    return Gate(GateSpec(id, title, passes_when, needs_of(condition)), condition)


def needs_of(condition: Condition) -> tuple[str, ...]:
    if isinstance(condition, Check):
        if condition.name == "metric":
            return (str(dict(condition.params).get("evidence")),)
        return CHECKS[condition.name].needs
    return tuple(dict.fromkeys(k for item in condition.items for k in needs_of(item)))


DEFAULT_POLICY = Policy(
    gates=(
        _gate(
            "PROD-001",
            "functional completeness",
            "all collected tests pass; no stubs in shipped code",
            AllOf((Check("tests-pass"), Check("no-stubs"))),
        ),
        _gate(
            "PROD-002",
            "performance",
            "benchmark regression against the baseline run at most 4.7%",
            Check("benchmark-regression"),
        ),
        _gate(
            "PROD-003",
            "security",
            "no unsuppressed critical or high vulnerability; no secrets in the tree",
            AllOf((Check("vulnerabilities"), Check("no-secrets"))),
        ),
        _gate(
            "PROD-004",
            "code quality",
            "adapted Power-of-Ten compliance at least 95% of functions",
            Check("power-of-ten"),
        ),
        _gate(
            "PROD-005",
            "integration",
            "integration tests present and passing; provenance verifies",
            AllOf((Check("integration-tests-pass"), Check("provenance-verifies"))),
        ),
        _gate(
            "PROD-006",
            "scalability",
            "load-test results meet the declared latency and throughput targets",
            Check("slo-met"),
        ),
        _gate(
            "PROD-007",
            "documentation",
            "README and API docs present; public API docstring coverage threshold",
            Check("documentation"),
        ),
        _gate(
            "PROD-008",
            "monitoring",
            "health and metrics endpoints or alert rules declared and parseable",
            Check("monitoring"),
        ),
        _gate(
            "THEATER",
            "claims and test theater",
            "no contradicted claim in the declared completion reports; no test theater",
            AllOf((Check("no-contradicted-claims"), Check("no-test-theater"))),
        ),
    )
)


# --- reading conditions from configuration -----------------------------------------------


def parse_condition(data: Any, where: str) -> Condition:
    """A condition from its TOML form: ``{check = "...", ...params}``, ``{all_of = [...]}``
    or ``{any_of = [...]}``."""
    if not isinstance(data, Mapping):
        raise PolicyError(f"{where}: a condition must be a table", hint=_CONDITION_HINT)
    keys = set(data) & {"check", "all_of", "any_of"}
    if len(keys) != 1:
        raise PolicyError(
            f"{where}: give exactly one of check, all_of, any_of (found {sorted(keys) or 'none'})",
            hint=_CONDITION_HINT,
        )
    (key,) = keys
    if key == "check":
        name = data["check"]
        if name not in CHECKS:
            raise PolicyError(
                f"{where}: unknown check {name!r}",
                hint=f"known checks: {', '.join(sorted(CHECKS))}",
            )
        params = {k: v for k, v in data.items() if k != "check"}
        unknown = set(params) - set(CHECKS[name].defaults)
        if unknown:
            known = ", ".join(sorted(CHECKS[name].defaults)) or "none"
            raise PolicyError(
                f"{where}: check {name!r} takes no parameter {', '.join(sorted(unknown))}",
                hint=f"its parameters: {known}",
            )
        if name == "metric" and (not params.get("evidence") or not params.get("field")):
            raise PolicyError(
                f"{where}: a metric check needs evidence and field", hint=_CONDITION_HINT
            )
        return Check(name, tuple(sorted((k, _freeze(v)) for k, v in params.items())))
    items = data[key]
    if not isinstance(items, list) or not items:
        raise PolicyError(
            f"{where}: {key} needs a non-empty list of conditions", hint=_CONDITION_HINT
        )
    parsed = tuple(parse_condition(item, f"{where}.{key}[{i}]") for i, item in enumerate(items))
    return AllOf(parsed) if key == "all_of" else AnyOf(parsed)


_CONDITION_HINT = (
    'for example all_of = [{check = "tests-pass"}, '
    '{check = "metric", evidence = "coverage", field = "line_rate", min = 0.8}]'
)


def with_params(condition: Condition, overrides: Mapping[str, Any]) -> Condition:
    """The condition with every check that takes one of ``overrides`` using its value."""
    if isinstance(condition, Check):
        known = CHECKS[condition.name].defaults
        params = dict(condition.params)
        params.update({k: _freeze(v) for k, v in overrides.items() if k in known})
        return Check(condition.name, tuple(sorted(params.items())))
    items = tuple(with_params(item, overrides) for item in condition.items)
    return AllOf(items) if isinstance(condition, AllOf) else AnyOf(items)


def accepted_params(condition: Condition) -> set[str]:
    if isinstance(condition, Check):
        return set(CHECKS[condition.name].defaults)
    return {p for item in condition.items for p in accepted_params(item)}


def to_data(condition: Condition) -> dict[str, Any]:
    if isinstance(condition, Check):
        return {"check": condition.name, **{k: _thaw(v) for k, v in condition.params}}
    key = "all_of" if isinstance(condition, AllOf) else "any_of"
    return {key: [to_data(item) for item in condition.items]}


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _thaw(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# --- evaluation ---------------------------------------------------------------------------


def evaluate_policy(
    policy: Policy, evidence: Sequence[EvidenceView], today: date
) -> tuple[GateResult, ...]:
    """Every gate of the policy judged at once, waivers applied."""
    by_kind: dict[str, list[EvidenceView]] = {}
    for view in evidence:
        by_kind.setdefault(view.kind, []).append(view)
    results = []
    for gate in policy.gates:
        reader = _Reader(by_kind)
        judgement = _evaluate(gate.condition, reader)
        results.append(_waive(gate, judgement, policy.waivers, today))
    return tuple(results)


def _evaluate(condition: Condition, reader: _Reader) -> Judgement:
    if isinstance(condition, Check):
        definition = CHECKS[condition.name]
        before = len(reader.used)
        try:
            judgement = definition.function(condition, reader)
        except _Unknown as exc:
            return Judgement(GateStatus.UNKNOWN, str(exc), evidence=tuple(reader.used[before:]))
        return Judgement(
            judgement.status,
            judgement.explanation,
            judgement.measured,
            judgement.threshold,
            tuple(dict.fromkeys(reader.used[before:])),
        )
    parts = [_evaluate(item, reader) for item in condition.items]
    statuses = [p.status for p in parts]
    if isinstance(condition, AllOf):
        if GateStatus.FAIL in statuses:
            status = GateStatus.FAIL
        elif GateStatus.UNKNOWN in statuses:
            status = GateStatus.UNKNOWN
        else:
            status = GateStatus.PASS
        shown = [p for p in parts if p.status is status] if status is not GateStatus.PASS else parts
    else:
        if GateStatus.PASS in statuses:
            status = GateStatus.PASS
            shown = [next(p for p in parts if p.status is GateStatus.PASS)]
        else:
            status = GateStatus.UNKNOWN if GateStatus.UNKNOWN in statuses else GateStatus.FAIL
            shown = parts
    return Judgement(
        status,
        "; ".join(p.explanation for p in shown),
        _join(p.measured for p in parts),
        _join(p.threshold for p in parts),
        tuple(dict.fromkeys(d for p in parts for d in p.evidence)),
    )


def _join(values: Any) -> str | None:
    present = [v for v in values if v]
    return "; ".join(present) if present else None


def _waive(gate: Gate, judgement: Judgement, waivers: Sequence[Waiver], today: date) -> GateResult:
    mine = [w for w in waivers if w.gate == gate.spec.id]
    expired = tuple(w for w in mine if not w.active(today))
    active = next((w for w in sorted(mine, key=lambda w: w.expires) if w.active(today)), None)
    status, judged, explanation = judgement.status, None, judgement.explanation
    if active is not None and status in (GateStatus.FAIL, GateStatus.UNKNOWN):
        judged, status = status, GateStatus.WAIVED
        ticket = f", {active.ticket}" if active.ticket else ""
        explanation = (
            f"waived by {active.owner} until {active.expires.isoformat()}{ticket}: "
            f"{active.reason} (judged {judged.value}: {judgement.explanation})"
        )
    elif expired and status is not GateStatus.PASS:
        last = max(expired, key=lambda w: w.expires)
        explanation += f" (the waiver by {last.owner} expired on {last.expires.isoformat()})"
    return GateResult(
        gate=gate.spec,
        status=status,
        explanation=explanation,
        measured=judgement.measured,
        threshold=judgement.threshold,
        evidence=judgement.evidence,
        waiver=active if status is GateStatus.WAIVED else None,
        expired_waivers=expired,
        judged=judged,
    )
