"""The checks a condition names: each reads figures from the evidence and judges them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assay.core.gates import GateStatus
from assay.core.policy.model import Check, CheckDefinition, Condition, EvidenceView, Judgement

__all__ = ["CHECKS", "needs_of"]


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


def _param(check: Check, key: str) -> Any:
    return check.param(key, CHECKS[check.name].defaults)


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
    limit = float(_param(check, "max_regression_percent"))
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
    levels = list(_param(check, "fail_on"))
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
    minimum = float(_param(check, "min_compliance"))
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
        float(_param(check, "min_readme_words")),
        float(_param(check, "min_docstring_coverage")),
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
    kind, key = str(_param(check, "evidence")), str(_param(check, "field"))
    measured = read.number(kind, key)
    for name, (symbol, compare) in _OPERATORS.items():
        bound = _param(check, name)
        if bound is not None and not compare(measured, float(bound)):
            return Judgement(
                GateStatus.FAIL,
                f"{kind} {key} is {measured:g}, not {symbol} {bound:g}",
                f"{measured:g}",
                f"{symbol} {bound:g}",
            )
    bounds = [
        f"{symbol} {_param(check, name):g}"
        for name, (symbol, _) in _OPERATORS.items()
        if _param(check, name) is not None
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


def needs_of(condition: Condition) -> tuple[str, ...]:
    if isinstance(condition, Check):
        if condition.name == "metric":
            return (str(dict(condition.params).get("evidence")),)
        return CHECKS[condition.name].needs
    return tuple(dict.fromkeys(k for item in condition.items for k in needs_of(item)))
