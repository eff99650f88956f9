"""Measuring one claim: the measurement that settles it, by its kind."""

from __future__ import annotations

import re
from pathlib import Path

from assay.collectors._files import relative_path
from assay.collectors.claims_report import ReportText
from assay.core.claims import (
    Claim,
    ClaimKind,
    Measured,
    Measurement,
    Unmeasured,
    Verdict,
    judge_claim,
    self_contradiction,
)
from assay.services.claims.files import _files, _lines, _listed_items, _modules
from assay.services.claims.measurements import Measurements
from assay.services.claims.naming import _resolve
from assay.services.claims.stored import _stored_approvals
from assay.services.claims.tests import _tests
from assay.services.claims.tree import CODE_SUFFIXES, _text

__all__ = ["measure"]


def measure(claim: Claim, m: Measurements, report: ReportText) -> Measurement:
    own = self_contradiction(claim)
    if own is not None:
        return own
    if claim.items:
        return _listed_items(claim, m)
    kind = claim.kind
    if kind is ClaimKind.COVERAGE:
        return _from(
            m, "coverage", "line_rate", 100, "a coverage report (coverage.py or Cobertura)"
        )
    if kind is ClaimKind.TEST_COUNT:
        return _tests(claim, m)
    if kind is ClaimKind.PASS_RATE:
        tests, source = m.summary("tests")
        if not tests:
            return Unmeasured("JUnit test results (a stored run, or junit*.xml in the tree)")
        ran = sum(int(tests.get(k, 0)) for k in ("passed", "failed", "error"))
        if ran == 0:
            return Unmeasured("JUnit results with at least one test that ran")
        return Measured(100 * int(tests.get("passed", 0)) / ran, source)
    if kind is ClaimKind.VULNERABILITIES:
        return _vulnerabilities(claim, m)
    if kind is ClaimKind.LATENCY and claim.qualifier == "duration":
        return Unmeasured("a recorded timing of what the report times: none is collected")
    if kind in (
        ClaimKind.LATENCY,
        ClaimKind.THROUGHPUT,
        ClaimKind.ERROR_RATE,
        ClaimKind.AVAILABILITY,
    ):
        return _load(claim, m)
    if kind is ClaimKind.LINE_COUNT:
        return _lines(claim, m)
    if kind is ClaimKind.ENDPOINT_COUNT:
        return _endpoints(claim, m)
    if kind is ClaimKind.FILE_COUNT:
        return _files(claim, m)
    if kind is ClaimKind.MODULE_COUNT:
        return _modules(claim, m)
    if kind is ClaimKind.COMPLETION:
        return _completion(claim, report)
    if kind is ClaimKind.SIGNOFF:
        return _signoffs(claim, m)
    if kind is ClaimKind.MEMORY:
        return Unmeasured("a memory measurement: no evidence of memory use is collected")
    if kind is ClaimKind.RECOVERY:
        return Unmeasured("a recorded recovery drill: no evidence of restore times is collected")
    if kind is ClaimKind.OVERHEAD and claim.unit == "x":
        return Unmeasured("benchmarks of both versions: a speed-up is not measured by any step")
    if kind is ClaimKind.OVERHEAD:
        return _from(
            m,
            "performance",
            "overhead_percent",
            1,
            "benchmarks compared with a baseline run (assay runs baseline)",
        )
    return _score(claim, m)


def _completion(claim: Claim, report: ReportText) -> Measurement:
    """The report's own ticks never support its completion figure. They contradict it only
    when the figure introduces the checklist ("Checklist (100% done):" and the list under
    it): ticks elsewhere in a report often cover another scope than the figure (a phase, a
    category, follow-up work), as readers of real reports label them."""
    needs = "a defined measurement of completion: the report's own ticks are not evidence"
    below = report.checklist_after(claim.line)
    if below is None or claim.value is None:
        return Unmeasured(needs)
    ticked, open_ = below
    measured = Measured(
        100 * ticked / (ticked + open_),
        f"the checklist under the figure: {ticked} of {ticked + open_} ticked",
    )
    if judge_claim(claim, measured).verdict is Verdict.CONTRADICTED:
        return measured
    return Unmeasured(f"{needs} ({ticked} of {ticked + open_} ticked)")


def _from(m: Measurements, kind: str, key: str, scale: float, needs: str) -> Measurement:
    summary, source = m.summary(kind)
    value = summary.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Unmeasured(needs)
    return Measured(float(value) * scale, source)


def _vulnerabilities(claim: Claim, m: Measurements) -> Measurement:
    summary = m.summaries.get("vulnerabilities") or {}
    if summary.get("status") != "complete":
        return Unmeasured("a vulnerability scan against imported data (assay vulndb import)")
    source = f"vulnerability scan of {m.evidence_source}"
    if claim.qualifier in ("", "any"):
        return Measured(float(summary.get("in_force", 0)), source)
    return Measured(float(summary.get(claim.qualifier, 0)), source)


def _load(claim: Claim, m: Measurements) -> Measurement:
    if not m.load:
        return Unmeasured("load-test results (locust *_stats.csv, k6 summary JSON or wrk output)")
    if claim.kind is ClaimKind.THROUGHPUT:
        values = [(s.throughput_rps, s.source) for s in m.load if s.throughput_rps is not None]
        pick = min
    elif claim.kind is ClaimKind.LATENCY:
        attribute = {"average": "average_ms", "p50": "p50_ms", "p95": "p95_ms", "p99": "p99_ms"}
        name = attribute.get(claim.qualifier, "average_ms")
        values = [(getattr(s, name), s.source) for s in m.load if getattr(s, name) is not None]
        pick = max
    else:
        values = [(s.error_rate * 100, s.source) for s in m.load if s.error_rate is not None]
        pick = max
    if not values:
        return Unmeasured(f"load-test results that report {claim.qualifier or claim.kind.value}")
    value, source = pick(values, key=lambda pair: pair[0])
    if claim.kind is ClaimKind.AVAILABILITY:
        return Measured(100 - value, f"share of successful requests in {source}")
    return Measured(value, f"worst load-test result, {source}")


def _endpoints(claim: Claim, m: Measurements) -> Measurement:
    from assay.collectors.monitoring import inspect_monitoring

    routes = m.once("routes", lambda: inspect_monitoring(m.project).routes)
    code = [r for r in routes if r.framework != "openapi" and "start_http_server" not in r.source]
    if claim.subject:
        target = _resolve(claim.subject, m)
        if not isinstance(target, Path):
            return target
        where = relative_path(target, m.project)
        inside = [r for r in code if r.source.split(":", 1)[0].startswith(where)]
        return Measured(len(inside), f"route declarations in {where}")
    if code:
        return Measured(len(code), "route declarations in the code")
    if routes:
        return Measured(len(routes), "paths of the OpenAPI document")
    return Unmeasured("route declarations (FastAPI, Flask, Django...) or an OpenAPI document")


def _signoffs(claim: Claim, m: Measurements) -> Measurement:
    """Sign-off claims are judged only against sign-offs stored for the project."""
    needs = "sign-offs stored by assay signoff: the report's own ticks are not evidence"
    if m.ctx is None:
        return Unmeasured(needs)
    ctx, settings = m.ctx, m.ctx.settings
    approved = m.once("signoffs", lambda: _stored_approvals(ctx, m.project))
    if approved is None:
        return Unmeasured(needs)
    roles, release = approved
    if claim.unit == "%":
        required = len(settings.signoff.roles) or 1
        return Measured(100 * len(roles) / required, f"approved roles of release {release}")
    return Measured(len(roles), f"roles approved for release {release}")


_MARKER = re.compile(r"\b(TODO|FIXME|XXX)\b")


def _markers(m: Measurements) -> Measurement:
    """TODO, FIXME and XXX notes left in the code (tests included)."""
    count = sum(len(_MARKER.findall(_text(p))) for p in m.files(m.project, CODE_SUFFIXES))
    return Measured(count, "TODO, FIXME and XXX notes in the code files of the tree")


def _score(claim: Claim, m: Measurements) -> Measurement:
    if claim.qualifier.rstrip("s") in ("todo", "fixme"):
        return _markers(m)
    if claim.qualifier == "compliance":
        return _from(
            m, "static-analysis", "compliance", 100, "the Power-of-Ten analysis (assay quality)"
        )
    if claim.qualifier == "sigma":
        return _from(m, "sixsigma", "sigma_level", 1, "Six Sigma evidence over the run history")
    thing = claim.qualifier.lower().rstrip("s")
    text = claim.text.lower()
    precommit = (m.project / ".pre-commit-config.yaml").is_file() and "web" not in text
    if thing == "hook" and ("commit" in text or precommit):
        return _precommit_hooks(m)
    if thing in ("rule", "alert", "group", "categorie") and "alert" in text:
        # "9 rules across 1 group", "1 alert group", "8 alert categories"
        value = f"{claim.value:g}" if claim.value is not None else ""
        counted = re.search(rf"\b{re.escape(value)}\+?\s+(?:alert\s+)?(\w+)", text)
        noun = counted.group(1).rstrip("s") if counted else thing
        return _alert_rules(m, groups=noun in ("group", "categorie", "category"))
    named = (
        f"{claim.qualifier} score"
        if claim.qualifier not in ("grade", "certified", "score")
        else claim.qualifier
    )
    return Unmeasured(f"a defined measurement: a {named!r} states no method and no data")


def _precommit_hooks(m: Measurements) -> Measurement:
    """Hooks of the project's ``.pre-commit-config.yaml``, as pre-commit reads them."""
    import yaml

    path = m.project / ".pre-commit-config.yaml"
    if not path.is_file():
        return Measured(0, "no .pre-commit-config.yaml in the tree")
    try:
        config = yaml.safe_load(_text(path))
    except yaml.YAMLError:
        return Unmeasured("a .pre-commit-config.yaml that parses as YAML")
    repos = config.get("repos") if isinstance(config, dict) else None
    if not isinstance(repos, list):
        return Unmeasured("a .pre-commit-config.yaml with a list of repos")
    hooks = sum(len(r.get("hooks") or []) for r in repos if isinstance(r, dict))
    return Measured(hooks, "hooks in .pre-commit-config.yaml")


def _alert_rules(m: Measurements, *, groups: bool) -> Measurement:
    """Alerting rules (or rule groups) of the Prometheus rule files in the tree."""
    from assay.collectors.alert_rules import check_rule_file, find_rule_files

    files = [check_rule_file(p, m.project) for p in find_rule_files(m.project)]
    if not files:
        return Unmeasured("Prometheus rule files (groups: in a rules or alerts YAML file)")
    count = sum(f.check.groups if groups else f.check.alerting_rules for f in files)
    what = "rule groups" if groups else "alerting rules"
    return Measured(count, f"{what} in {', '.join(f.path for f in files[:4])}")
