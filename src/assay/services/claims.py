"""The claims use case: extract a report's claims and judge each against measurements.

Measurements come from the run's evidence (in certify) or the project's newest stored run
(from the CLI), from result files in the tree, and from the tree itself: line counts,
files, routes, a pytest collection run, the report's own task list.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assay.collectors import results as readers
from assay.collectors._files import python_sources, relative_path, walk_files
from assay.collectors.claims_report import ReportText, read_report
from assay.collectors.monitoring import inspect_monitoring
from assay.collectors.pyproject import project_name
from assay.core.claims import (
    Claim,
    ClaimKind,
    ClaimResult,
    Measured,
    Measurement,
    Unmeasured,
    Verdict,
    extract_claims,
    judge_claim,
)
from assay.core.slo import LoadSummary
from assay.errors import NotFoundError, UsageError
from assay.services.slo import load_results
from assay.settings import Settings
from assay.store import repositories as repo
from assay.store.database import Store

__all__ = [
    "MEDIA_TYPE",
    "ClaimsCheck",
    "Measurements",
    "check_claims",
    "claims_document",
    "find_reports",
    "measurements_for",
]

MEDIA_TYPE = "application/vnd.assay.claims+json"
_REPORT_NAME = re.compile(
    r"(?i)(complet|report|status|summary|phase|milestone|handoff|hand-off|progress|"
    r"readiness|certification|release[-_ ]notes)"
)


@dataclass
class Measurements:
    """What the project measures, gathered once and read by every claim."""

    project: Path
    summaries: Mapping[str, Mapping[str, Any]]
    """Evidence summaries by kind."""
    evidence_source: str
    load: tuple[LoadSummary, ...] = ()
    collected_tests: int | None = None
    _cache: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimsCheck:
    reports: tuple[str, ...]
    results: tuple[ClaimResult, ...]
    evidence_source: str

    def count(self, verdict: Verdict) -> int:
        return sum(r.verdict is verdict for r in self.results)

    def summary(self) -> dict[str, int]:
        return {
            "reports": len(self.reports),
            "claims": len(self.results),
            **{v.value: self.count(v) for v in Verdict},
        }


def find_reports(project: Path, settings: Settings) -> list[Path]:
    """The reports of ``[claims] reports``, or else report-like Markdown files found."""
    declared = settings.claims.reports
    if declared:
        paths = [project / p for p in declared]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise UsageError(
                f"declared report not found: {', '.join(missing)}",
                hint="fix [claims] reports in assay.toml (paths relative to the project)",
            )
        return paths
    return [
        path
        for path in walk_files(project, (".md", ".markdown"))
        if _REPORT_NAME.search(path.stem) and not path.stem.upper().startswith(("README", "CHANGE"))
    ]


def check_claims(reports: Sequence[Path], measurements: Measurements, project: Path) -> ClaimsCheck:
    results: list[ClaimResult] = []
    names = []
    for path in reports:
        report = read_report(path)
        names.append(relative_path(path, project))
        claims = extract_claims(report.segments)
        results += [judge_claim(c, measure(c, measurements, report)) for c in claims]
    return ClaimsCheck(tuple(names), tuple(results), measurements.evidence_source)


def measurements_for(
    project: Path,
    settings: Settings,
    *,
    summaries: Mapping[str, Mapping[str, Any]] | None = None,
    source: str = "",
) -> Measurements:
    """Measurements of the project; without ``summaries``, those of its newest stored run."""
    if summaries is None:
        summaries, source = _stored_summaries(settings, project)
    load = load_results(readers.discover(project), project)
    return Measurements(project, summaries, source, load, _collect_tests(project, settings))


def claims_document(check: ClaimsCheck) -> str:
    body = {
        "reports": list(check.reports),
        "evidence_source": check.evidence_source,
        "summary": check.summary(),
        "claims": [
            {
                **{k: v for k, v in asdict(r.claim).items() if k != "decimals"},
                "kind": r.claim.kind.value,
                "verdict": r.verdict.value,
                "measured": r.measured,
                "explanation": r.explanation,
                "evidence": r.evidence,
            }
            for r in check.results
        ],
    }
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- measuring one claim --------------------------------------------------------------------


def measure(claim: Claim, m: Measurements, report: ReportText) -> Measurement:
    kind = claim.kind
    if kind is ClaimKind.COVERAGE:
        return _from(
            m, "coverage", "line_rate", 100, "a coverage report (coverage.py or Cobertura)"
        )
    if kind is ClaimKind.TEST_COUNT:
        if m.collected_tests is not None:
            return Measured(m.collected_tests, "pytest --collect-only")
        return _from(m, "tests", "tests", 1, "JUnit results or a pytest collection run")
    if kind is ClaimKind.PASS_RATE:
        tests = m.summaries.get("tests")
        if not tests:
            return Unmeasured("JUnit test results")
        ran = sum(int(tests.get(k, 0)) for k in ("passed", "failed", "error"))
        if ran == 0:
            return Unmeasured("JUnit results with at least one test that ran")
        return Measured(100 * int(tests.get("passed", 0)) / ran, "JUnit results")
    if kind is ClaimKind.VULNERABILITIES:
        return _vulnerabilities(claim, m)
    if kind in (
        ClaimKind.LATENCY,
        ClaimKind.THROUGHPUT,
        ClaimKind.ERROR_RATE,
        ClaimKind.AVAILABILITY,
    ):
        return _load(claim, m)
    if kind is ClaimKind.LINE_COUNT:
        return _lines(claim.subject, m.project)
    if kind is ClaimKind.ENDPOINT_COUNT:
        return _endpoints(m)
    if kind is ClaimKind.FILE_COUNT:
        if claim.qualifier == "source":
            return Measured(len(python_sources(m.project)), "Python source files in the tree")
        if claim.qualifier == "python":
            count = sum(1 for _ in walk_files(m.project, (".py",)))
            return Measured(count, "Python files in the tree")
        return Unmeasured("a kind of file to count: say Python files or source files")
    if kind is ClaimKind.COMPLETION:
        total = report.checked + report.unchecked
        if total == 0:
            return Unmeasured("a task list (- [x] items) in the report")
        return Measured(100 * report.checked / total, f"{report.checked} of {total} tasks ticked")
    if kind is ClaimKind.OVERHEAD:
        return _from(
            m,
            "performance",
            "overhead_percent",
            1,
            "benchmarks compared with a baseline run (assay runs baseline)",
        )
    return _score(claim, m)


def _from(m: Measurements, kind: str, key: str, scale: float, needs: str) -> Measurement:
    summary = m.summaries.get(kind) or {}
    value = summary.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return Unmeasured(needs)
    return Measured(float(value) * scale, f"{kind} evidence of {m.evidence_source}")


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


def _lines(subject: str, project: Path) -> Measurement:
    target = _resolve(subject, project)
    if isinstance(target, Unmeasured):
        return target
    files = [target] if target.is_file() else list(walk_files(target, (".py",)))
    total = sum(len(p.read_text(encoding="utf-8", errors="replace").splitlines()) for p in files)
    return Measured(total, f"lines of {relative_path(target, project)}")


def _resolve(subject: str, project: Path) -> Path | Unmeasured:
    """The file or folder a line count is about: a path, a file name, or words naming one."""
    direct = project / subject
    if "/" in subject and direct.exists():
        return direct
    candidates: list[Path] = []
    if "." in subject:
        candidates = [p for p in walk_files(project) if p.name == Path(subject).name]
    else:
        words = {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z]+", subject)}
        words -= {"the", "module", "file", "component", "service", "package", "code"}
        for path in [*walk_files(project, (".py",)), *_folders(project)]:
            stem = path.stem.lower().rstrip("s")
            if stem in words:
                candidates.append(path)
    candidates = [c for c in candidates if not (c.is_file() and c.parent in candidates)]
    if len(candidates) == 1:
        return candidates[0]
    needs = f"a file or module named by {subject!r}"
    if len(candidates) > 1:
        shown = ", ".join(relative_path(c, project) for c in candidates[:4])
        return Unmeasured(f"{needs}: it could be any of {shown}; name the file")
    return Unmeasured(f"{needs}; none found in the tree")


def _folders(project: Path) -> list[Path]:
    return sorted({p.parent for p in walk_files(project, (".py",)) if p.parent != project})


def _endpoints(m: Measurements) -> Measurement:
    if "routes" not in m._cache:
        m._cache["routes"] = inspect_monitoring(m.project).routes
    routes = m._cache["routes"]
    code = [r for r in routes if r.framework != "openapi" and "start_http_server" not in r.source]
    if code:
        return Measured(len(code), "route declarations in the code")
    if routes:
        return Measured(len(routes), "paths of the OpenAPI document")
    return Unmeasured("route declarations (FastAPI, Flask, Django...) or an OpenAPI document")


def _score(claim: Claim, m: Measurements) -> Measurement:
    if claim.qualifier == "compliance":
        return _from(
            m, "static-analysis", "compliance", 100, "the Power-of-Ten analysis (assay quality)"
        )
    if claim.qualifier == "sigma":
        return _from(m, "sixsigma", "sigma_level", 1, "Six Sigma evidence over the run history")
    named = (
        f"{claim.qualifier} score"
        if claim.qualifier not in ("grade", "certified")
        else claim.qualifier
    )
    return Unmeasured(f"a defined measurement: a {named!r} states no method and no data")


def _stored_summaries(
    settings: Settings, project: Path
) -> tuple[dict[str, Mapping[str, Any]], str]:
    try:
        store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    except NotFoundError:
        return {}, "no stored run"
    try:
        with store.transaction() as session:
            rows = repo.list_runs(session, 1, project_name(project))
            if not rows:
                return {}, "no stored run"
            summaries: dict[str, Mapping[str, Any]] = {
                e.kind: dict(e.summary or {}) for e in rows[0].evidence
            }
            return summaries, f"run {rows[0].id}"
    finally:
        store.close()


def _collect_tests(project: Path, settings: Settings) -> int | None:
    """Tests pytest collects, with the interpreter of ``[tests] command`` when it runs
    ``python -m pytest``; None when that cannot be done."""
    command = settings.tests.command or []
    if len(command) < 3 or command[1:3] != ["-m", "pytest"]:
        return None
    try:
        done = subprocess.run(
            [command[0], "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"(\d+) tests? collected", done.stdout) or re.search(
        r"collected (\d+) items?", done.stdout
    )
    if match:
        return int(match.group(1))
    if done.returncode in (0, 5):
        return sum(1 for line in done.stdout.splitlines() if "::" in line)
    return None
