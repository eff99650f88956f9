"""The claims use case: extract a report's claims and judge each against measurements.

Measurements come from the run's evidence (in certify) or the project's newest stored run
(from the CLI), from result files in the tree, and from the tree itself: line counts,
files, routes, a pytest collection run, the report's own task list.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePath
from typing import Any, TypeVar, cast

from assay.collectors import results as readers
from assay.collectors._files import python_sources, relative_path, walk_files
from assay.collectors.claims_report import ReportText, read_report
from assay.collectors.pyproject import project_name
from assay.core.claims import (
    Claim,
    ClaimKind,
    ClaimResult,
    Measured,
    Measurement,
    Segment,
    Unmeasured,
    Verdict,
    extract_claims,
    judge_claim,
    self_contradiction,
)
from assay.core.slo import LoadSummary
from assay.core.testcount import (
    TestCount,
    count_benchmarks_in,
    count_tests_in,
    is_collected_test_file,
    is_test_file,
)
from assay.errors import InventoryError, NotFoundError, UsageError
from assay.settings import Settings

T = TypeVar("T")

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
    """What the project measures, gathered on first use and read by every claim: a report
    without claims opens no store, runs no pytest and walks no tree."""

    project: Path
    given: Mapping[str, Mapping[str, Any]] | None
    """Evidence summaries by kind from the caller (certify, an upload); None: read the
    project's newest stored run when a claim needs it."""
    given_source: str = ""
    settings: Settings | None = None
    near: Path | None = None
    """The folder of the report being judged: the files it names are looked for there
    first."""
    report: ReportText | None = None
    """The report being judged, and its claims: the test files it names scope its totals."""
    report_claims: tuple[Claim, ...] = ()
    naming: bool = False
    """Set while the report's own names are resolved: resolving them does not consult them."""
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def summaries(self) -> Mapping[str, Mapping[str, Any]]:
        return self._stored()[0]

    @property
    def evidence_source(self) -> str:
        return self._stored()[1]

    def _stored(self) -> tuple[Mapping[str, Mapping[str, Any]], str]:
        if self.given is not None:
            return self.given, self.given_source
        settings = self.settings
        if settings is None:
            return {}, "no stored run"
        return cast(
            "tuple[Mapping[str, Mapping[str, Any]], str]",
            self.once("stored", lambda: _stored_summaries(settings, self.project)),
        )

    def files(self, under: Path, suffixes: tuple[str, ...] | None = None) -> list[Path]:
        """``walk_files``, each folder walked once for all the claims of the reports."""
        return cast(
            "list[Path]",
            self.once(f"walk:{under}:{suffixes}", lambda: list(walk_files(under, suffixes))),
        )

    def once(self, key: str, compute: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @property
    def load(self) -> tuple[LoadSummary, ...]:
        from assay.services.slo import load_results

        return tuple(
            self.once("load", lambda: load_results(readers.discover(self.project), self.project))
        )

    @property
    def collected_tests(self) -> int | None:
        if self.settings is None:
            return None
        settings = self.settings
        return cast(
            "int | None", self.once("collected", lambda: _collect_tests(self.project, settings))
        )

    def summary(self, kind: str) -> tuple[Mapping[str, Any], str]:
        """The run's summary of an evidence kind, or, without a run, one made from the
        result files in the tree (``coverage.json``, ``junit.xml``)."""
        if kind in self.summaries:
            return self.summaries[kind], f"{kind} evidence of {self.evidence_source}"
        tree = self.once("tree-results", lambda: _tree_summaries(self.project))
        if kind in tree:
            summary, files = tree[kind]
            return summary, f"{', '.join(files)} in the tree (no stored run)"
        return {}, ""


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
        measurements.near = path.parent
        measurements.report, measurements.report_claims = report, tuple(claims)
        results += [judge_claim(c, measure(c, measurements, report)) for c in claims]
    source = measurements.evidence_source if results else "none needed"
    return ClaimsCheck(tuple(names), tuple(results), source)


def measurements_for(
    project: Path,
    settings: Settings,
    *,
    summaries: Mapping[str, Mapping[str, Any]] | None = None,
    source: str = "",
) -> Measurements:
    """Measurements of the project; without ``summaries``, those of its newest stored run."""
    return Measurements(project, summaries, source, settings)


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


def _tree_summaries(project: Path) -> dict[str, tuple[Mapping[str, Any], list[str]]]:
    """Test and coverage summaries from result files in the tree, as certify makes them."""
    from assay.services.steps.tests import results_evidence

    found = readers.discover(project)
    junit, coverage = [], []
    kept: dict[str, list[str]] = {"tests": [], "coverage": []}
    for path in found["junit"]:
        try:
            junit.append(readers.read_junit(path))
            kept["tests"].append(relative_path(path, project))
        except InventoryError:
            continue
    for path in found["coverage"]:
        try:
            coverage.append(readers.read_coverage(path))
            kept["coverage"].append(relative_path(path, project))
        except InventoryError:
            continue
    return {
        item.kind.value: (item.summary, kept[item.kind.value])
        for item in results_evidence(junit, coverage, [])
    }


def _tests(claim: Claim, m: Measurements) -> Measurement:
    """Tests of the whole project (a pytest collection, the run's JUnit results, or the
    tree), or of the file, folder or test class the claim names (the tree)."""
    if claim.qualifier == "benchmark":
        return _benchmarks(claim, m)
    if claim.qualifier == "failing":
        tests, source = m.summary("tests")
        if isinstance(tests.get("failed"), int):
            return Measured(float(tests["failed"]) + float(tests.get("error", 0)), source)
        return Unmeasured("test results (JUnit) that say which tests failed")
    if claim.qualifier == "run":
        return _run_outcome(claim, m)
    if claim.qualifier == "change":
        return Unmeasured("the change history: how many tests were added, fixed or updated")
    scoped = bool(claim.subject) or claim.qualifier in ("unit", "integration", "e2e")
    if not scoped:
        whole = _whole_project_tests(claim, m)
        if not _about_a_part(claim, whole):
            return whole
        beside = _section_test_files(claim, m) if "test file" in claim.text.lower() else []
        if beside:  # "2 test files covering 15+ test cases" in a section about one folder
            where = f"the test files of {relative_path(beside[0].parent, m.project)}"
            return _count_files(claim, m, beside, where)
        return _named_files_tests(claim, m) or whole
    if claim.subject.startswith("class "):
        found = _class_tests(m, claim.subject.removeprefix("class "))
        if isinstance(found, Unmeasured):
            return _missing_class(claim, m, found)
        return found
    if claim.subject:
        target = _resolve(claim.subject, m, tests=True)
        if not isinstance(target, Path):
            return _in_section(claim, m, target)
        return _static_tests(claim, m, target, relative_path(target, m.project))
    return _scope_tests(claim, m)


def _about_a_part(claim: Claim, whole: Measurement) -> bool:
    """Whether a count the whole tree does not bear out is about a part of it: the tree
    holds far more (beyond 1.2 N) or could not be counted. A claim near the whole tree's
    count ("2,552 tests" of 2,622) is about the whole, and is judged there."""
    if judge_claim(claim, whole).verdict is Verdict.SUPPORTED:
        return False
    if not isinstance(whole, Measured) or claim.value is None:
        return True
    return whole.value > SCOPE_RATIO * claim.value


def _whole_project_tests(claim: Claim, m: Measurements) -> Measurement:
    if m.collected_tests is not None:
        return Measured(m.collected_tests, "pytest --collect-only")
    tests, source = m.summary("tests")
    if isinstance(tests.get("tests"), int):
        return Measured(float(tests["tests"]), source)
    return _static_tests(claim, m, m.project, "the tree")


_CODE_NAME = re.compile(
    r"(?<![\w./-])[\w./-]{0,200}[\w-]\.(?:py|js|jsx|ts|tsx|vue|svelte|go|rs|java|rb|md)\b"
)
"""A file name in a report's text. It starts only where a name can start and is bounded:
unbounded, a run of 20,000 letters cost time quadratic in its length."""


def _named_files_tests(claim: Claim, m: Measurements) -> Measurement | None:
    """A total of tests in a report that names its test files ("57 tests" after the four
    files it fixed, "250+ tests" below a table of six components' tests) counts the tests
    of those files, as its readers count them, when the whole project does not hold it."""
    files = _named_files(m, "test")
    if len(files) < 2:
        return None
    where = f"the {len(files)} test files the report names ({_shown(files, m)})"
    found = _count_files(claim, m, files, where)
    if isinstance(found, Measured):
        return scoped_elsewhere(claim, found.value, where, NAMED_SCOPE_RATIO) or found
    return found


def _shown(files: list[Path], m: Measurements) -> str:
    shown = ", ".join(relative_path(f, m.project) for f in files[:4])
    return shown + (f" and {len(files) - 4} more" if len(files) > 4 else "")


def _named_files(m: Measurements, kind: str) -> list[Path]:
    """Files of a kind (``test``, ``doc`` or ``code``) that the report names: in its text,
    or as the subject of a test count."""
    report = m.report
    if report is None:
        return []

    def find() -> list[Path]:
        assert report is not None
        m.naming = True
        try:
            return resolve_all()
        finally:
            m.naming = False

    def resolve_all() -> list[Path]:
        assert report is not None
        names = [n.strip("./") for s in report.segments for n in _CODE_NAME.findall(s.text)]
        names += [
            c.subject
            for c in m.report_claims
            if c.kind is ClaimKind.TEST_COUNT and c.subject and not c.subject.startswith("class ")
        ]
        found: dict[Path, None] = {}
        for name in names:
            target = _resolve(name, m, tests=kind == "test")
            if isinstance(target, Path) and target.is_file():
                found[target] = None
        return list(found)

    named = cast("list[Path]", m.once(f"named:{report.path}:{kind}", find))
    if kind == "test":
        return [p for p in named if is_test_file(relative_path(p, m.project))]
    if kind == "doc":
        return [p for p in named if p.suffix == ".md"]
    return [p for p in named if p.suffix != ".md"]


def _section_files(claim: Claim, m: Measurements) -> list[Path]:
    """Files named in the section a heading's count introduces ("### Test Code (4 files,
    ~600+ LOC)" and the four files listed under it), when the claim is on a heading."""
    report = m.report
    if report is None:
        return []
    segments = report.segments
    at = next(
        (i for i, s in enumerate(segments) if s.line == claim.line and s.kind == "heading"), None
    )
    if at is None:
        return []
    rest = segments[at + 1 :]
    key = f"section:{report.path}:{claim.line}"
    return cast("list[Path]", m.once(key, lambda: _listed_under(rest, m)))


def _listed_under(segments: Sequence[Segment], m: Measurements) -> list[Path]:
    """Files of the tree named in a section's segments (up to the next heading)."""
    names: list[str] = []
    for segment in segments:
        if segment.kind == "heading":
            break
        names += [n.strip("./") for n in _CODE_NAME.findall(segment.text)]
    found: dict[Path, None] = {}
    ambiguous = []
    for name in names:
        target = _resolve(name, m)
        if isinstance(target, Path) and target.is_file():
            found[target] = None
        elif "/" not in name:
            ambiguous.append(name)
    # A bare name that several folders hold is the one beside the section's other files.
    folders = {p.parent for p in found}
    for name in ambiguous:
        beside = [f / name for f in folders if (f / name).is_file()]
        if len(beside) == 1:
            found[beside[0]] = None
    return list(found)


def _section_folder(claim: Claim, m: Measurements) -> Path | None:
    """The one folder that holds every file named in the section a claim is in ("####
    Template Components" listing the components of one folder), if there is one."""
    report = m.report
    if report is None:
        return None
    heading = max(
        (s.line for s in report.segments if s.kind == "heading" and s.line <= claim.line),
        default=None,
    )
    if heading is None:
        return None
    found = _section_files(replace(claim, line=heading), m)
    folders = {p.parent for p in found}
    return folders.pop() if len(folders) == 1 else None


_STYLESHEETS = (".css", ".scss", ".sass", ".less")
_KIND_WORDS = {
    "css": _STYLESHEETS,
    "stylesheet": _STYLESHEETS,
    "stylesheets": _STYLESHEETS,
    "styles": _STYLESHEETS,
    "scss": (".scss",),
}


def _kind_in_section(claim: Claim, m: Measurements) -> Measurement | None:
    """ "**CSS**: 1,200+ lines across 5 stylesheet files" in a section about one folder:
    the stylesheets of that folder."""
    if claim.kind not in (ClaimKind.FILE_COUNT, ClaimKind.LINE_COUNT):
        return None
    suffixes = _KIND_WORDS.get(claim.subject.lower().strip())
    folder = _section_folder(claim, m) if suffixes else None
    if folder is None or suffixes is None:
        return None
    files = [p for p in m.files(folder) if p.suffix in suffixes]
    where = f"{' '.join(suffixes)} files in {relative_path(folder, m.project)}"
    if claim.kind is ClaimKind.LINE_COUNT:
        return Measured(_lines_of(files), f"lines of the {where}")
    return Measured(len(files), where)


def _section_test_files(claim: Claim, m: Measurements) -> list[Path]:
    folder = _section_folder(claim, m)
    if folder is None:
        return []
    return [p for p in m.files(folder) if is_test_file(relative_path(p, m.project))]


def _in_section(claim: Claim, m: Measurements, unresolved: Measurement) -> Measurement:
    """A count on a heading whose subject names nothing in the tree, measured on the files
    listed in its section; ``unresolved`` when the section lists none."""
    if claim.qualifier == "changed":  # "Modified files (3 files)": history, not the tree
        return Unmeasured("the change history (new, modified or updated files are not in a tree)")
    kind = _kind_in_section(claim, m)
    if kind is not None:
        return kind
    files = _section_files(claim, m)
    tests = [p for p in files if is_test_file(relative_path(p, m.project))]
    if tests and re.search(r"(?i)\btests?\b", claim.text):  # "### Test Files (3 files)"
        files = tests
    if not files:
        return unresolved
    where = f"the {len(files)} files listed under the heading ({_shown(files, m)})"
    if claim.kind is ClaimKind.LINE_COUNT:
        return Measured(_lines_of(files), f"lines of {where}")
    if claim.kind is ClaimKind.TEST_COUNT:
        return _count_files(claim, m, tests, where) if tests else unresolved
    return Measured(len(files), where)


def _run_outcome(claim: Claim, m: Measurements) -> Measurement:
    """ "132 passed, 1 skipped" is a run's outcome: judged against the run's results; the
    tree can only say when more tests are claimed to have run than exist."""
    tests, source = m.summary("tests")
    if isinstance(tests.get("tests"), int):
        return Measured(float(tests["tests"]), source)
    if m.collected_tests is not None:
        return Measured(m.collected_tests, "pytest --collect-only")
    found = _count_static(claim, m, m.project, "the tree")
    if isinstance(found, Measured) and claim.value is not None and claim.value > found.value:
        return found
    return Unmeasured("the run's results (JUnit): the tree holds the tests, not their outcome")


def _benchmarks(claim: Claim, m: Measurements) -> Measurement:
    target: Path | Measurement = m.project
    if claim.subject and not claim.subject.startswith("class "):
        target = _resolve(claim.subject, m, tests=True)
    if not isinstance(target, Path):
        return target
    files = _test_files(m, target)
    count = sum(count_benchmarks_in(p.name, _text(p)) for p in files)
    where = relative_path(target, m.project) if target != m.project else "the tree"
    found = Measured(count, f"benchmark functions in {where}")
    if target == m.project:
        return scoped_elsewhere(claim, count, "the benchmarks of the tree") or found
    return found


def _scope_tests(claim: Claim, m: Measurements) -> Measurement:
    """Unit, integration or e2e tests: those in a folder or file named so."""
    scope = claim.qualifier
    files = [
        p
        for p in _test_files(m, m.project)
        if scope in re.split(r"[-_./]", relative_path(p, m.project).lower())
    ]
    if not files:
        named = _class_tests(m, f"Test{scope.capitalize()}")
        if isinstance(named, Measured):
            return named
        return Unmeasured(f"{scope} tests named as such (a tests/{scope}/ folder or file)")
    count = TestCount()
    for path in files:
        count += _file_tests(m, path)
    found = Measured(count.cases, f"{count.cases} {scope} tests in {len(files)} file(s)")
    return scoped_elsewhere(claim, count.cases, f"the {scope} tests") or found


def _test_files(m: Measurements, target: Path) -> list[Path]:
    if target.is_file():
        return [target]
    return [p for p in m.files(target) if is_test_file(relative_path(p, m.project))]


SCOPE_RATIO = 1.2
"""A claim of "at least N" against a whole tree holding more than 1.2 N is about a part of
the tree the report does not name: it is not judged on the whole."""


NAMED_SCOPE_RATIO = 2.0
"""The files a report names are its own scope, though it may name a few more than a claim
is about: an "at least N" claim is left unjudged only beyond 2 N there."""


def scoped_elsewhere(
    claim: Claim, measured: float, what: str, ratio: float = SCOPE_RATIO
) -> Unmeasured | None:
    """A count far above an "at least N" claim (beyond 1.2 N) answers another question than
    the claim's: the report counts a part of the tree it does not name. An exact claim is
    judged on what it names ("86 tests" says the project has 86): measured on the real
    corpus, leaving exact claims unjudged lost more right verdicts than wrong ones."""
    if claim.comparator == ">=" and claim.value and measured > ratio * claim.value:
        return Unmeasured(
            f"the part of the tree the claim is about: {what} hold {measured:,.0f}, far more "
            f"than the {claim.value:,.0f} claimed; name the files"
        )
    return None


def _static_tests(claim: Claim, m: Measurements, target: Path, name: str) -> Measurement:
    found = _count_static(claim, m, target, name)
    if isinstance(found, Measured):
        return scoped_elsewhere(claim, found.value, f"tests in {name}") or found
    return found


def _count_static(claim: Claim, m: Measurements, target: Path, name: str) -> Measurement:
    return _count_files(claim, m, _test_files(m, target), name)


def _count_files(claim: Claim, m: Measurements, files: list[Path], name: str) -> Measurement:
    count = TestCount()
    for path in files:
        count += _file_tests(m, path)
    if not files or count.functions == 0:
        return Measured(0, f"test functions in {name} (none found)")
    where = f"{name}, read from the source (no test run)"
    functions = f"{count.functions} test functions"
    if count.exact:
        cases = f"{count.cases} cases with parametrisation"
        if count.cases == count.functions:
            return Measured(count.functions, f"{functions} in {where}")
        if claim.value == count.functions:
            return Measured(count.functions, f"{functions} in {where}; {cases}")
        return Measured(count.cases, f"{cases} ({functions}) in {where}")
    if claim.value is not None and claim.value > count.functions:
        return Unmeasured(
            f"a pytest run: {functions} in {name}, some parametrised with values known only "
            "when pytest runs"
        )
    return Measured(count.functions, f"{functions} in {where}")


def _class_tests(m: Measurements, name: str) -> Measurement:
    """Tests of one test class, found by name in the Python test files."""
    pattern = re.compile(rf"^class\s+{re.escape(name)}\b[^\n]*:\n((?:[ \t]+[^\n]*\n|\n)*)", re.M)
    for path in _test_files(m, m.project):
        if path.suffix != ".py":
            continue
        found = pattern.search(_text(path))
        if found:
            body = found.group(1)
            tests = len(re.findall(r"^[ \t]+(?:async\s+)?def\s+test\w*\s*\(", body, re.M))
            where = f"class {name} in {relative_path(path, m.project)}"
            return Measured(tests, f"test methods of {where}")
    return Unmeasured(f"a test class named {name} in the tree; none found")


def _missing_class(claim: Claim, m: Measurements, unfound: Unmeasured) -> Measurement:
    """A test class the report names (``TestStateManagement (5 tests)``) that no Python
    test file defines has no tests, as a named file that does not exist has no lines."""
    name = claim.subject.removeprefix("class ")
    python_tests = any(p.suffix == ".py" for p in _test_files(m, m.project))
    if python_tests and re.search(rf"\b{re.escape(name)}\b", claim.text):
        return Measured(0, f"no test class {name} in the tree")
    return unfound


def _file_tests(m: Measurements, path: Path) -> TestCount:
    return cast(
        TestCount,
        m.once(f"tests:{path}", lambda: count_tests_in(path.name, _text(path))),
    )


def _lines_of(files: Sequence[Path]) -> int:
    return sum(len(_text(p).splitlines()) for p in files)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")


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


CODE_SUFFIXES = (".py", ".js", ".jsx", ".ts", ".tsx", ".go", ".rs", ".java", ".rb", ".kt", ".cs")
_WHOLE = re.compile(
    r"(?i)^(?:total|overall|all|project|whole project|codebase|python|python code|code|source|"
    r"source code|total code|total python code|total source code|production|production code|"
    r"implementation|test|tests|test code|total test code)?$"
)


def _lines(claim: Claim, m: Measurements) -> Measurement:
    project, subject = m.project, claim.subject
    words = " ".join(w for w in re.findall(r"[A-Za-z]+", subject) if w.lower() != "lines")
    row = re.match(r"^[\s│├└─|*-]*([A-Za-z][\w &/-]{1,40}?)\s*:", claim.text)
    if row and not _WHOLE.match(row.group(1)) and ("/" not in subject and "." not in subject):
        # "├── Health Checks: 18 tests (470 lines)": the lines of what the row names
        target = _resolve(row.group(1), m, tests="test" in claim.text.lower())
        if isinstance(target, Path):
            files = [target] if target.is_file() else list(m.files(target, CODE_SUFFIXES))
            total = _lines_of(files)
            return Measured(total, f"lines of {relative_path(target, project)}")
    if "/" not in subject and "." not in subject and _WHOLE.match(words):
        return _project_lines_judged(claim, words.lower(), m)
    if "*" in subject:
        matched = _matching(subject.strip("/"), m)
        if isinstance(matched, Unmeasured):
            return matched
        files, where = matched
        if not files:
            return Measured(0, f"no file matching {subject} in the tree")
        lines = _lines_of(files)
        return Measured(lines, f"lines of the {len(files)} files matching {subject} in {where}")
    target = _resolve(subject, m)
    if not isinstance(target, Path):
        return _in_section(claim, m, target)
    files = [target] if target.is_file() else list(m.files(target, CODE_SUFFIXES))
    total = _lines_of(files)
    return Measured(total, f"lines of {relative_path(target, project)}")


def _project_lines_judged(claim: Claim, words: str, m: Measurements) -> Measurement:
    whole = _project_lines(words, m.project)
    if isinstance(whole, Measured):
        whole = scoped_elsewhere(claim, whole.value, "the lines of the tree") or whole
    if not _about_a_part(claim, whole):
        return whole
    # "1,850+ lines of test code" in a report that names its five test suites: their lines.
    text = claim.text.lower()
    kind = "test" if "test" in text else "doc" if "doc" in text else "code"
    files = _named_files(m, kind)
    if len(files) < 2:
        return whole
    lines = _lines_of(files)
    where = f"lines of the {len(files)} files the report names ({_shown(files, m)})"
    return scoped_elsewhere(claim, lines, where, NAMED_SCOPE_RATIO) or Measured(lines, where)


def _project_lines(words: str, project: Path) -> Measurement:
    """Lines of the project's code: all of it, its tests, or the code beside the tests."""
    python = list(walk_files(project, (".py",)))
    files = python or list(walk_files(project, CODE_SUFFIXES))
    language = "Python" if python else "source"
    if "test" in words:
        files = [p for p in files if is_test_file(relative_path(p, project))]
        what = f"{language} test files"
    elif "production" in words or "implementation" in words:
        files = [p for p in files if not is_test_file(relative_path(p, project))]
        what = f"{language} files other than tests"
    else:
        what = f"{language} files"
    total = _lines_of(files)
    return Measured(total, f"lines of the {len(files)} {what} in the tree")


def _inside(path: Path, project: Path) -> bool:
    """Whether a path, symbolic links followed, stays inside the project: a report names
    files of its own project and nothing else on the machine."""
    return path.resolve().is_relative_to(project.resolve())


_GENERIC_TOKENS = {"design", "spec", "test", "unit", "integration", "e2e", "component", "ui"}
_JOINERS = {"and", "the", "of", "for", "with", "a"}


def _spells(tokens: set[str], words: set[str]) -> bool:
    """Whether a test file's name spells the words: "Security & Edge Cases" is
    test_security_and_edge_cases.py, "Authentication" is auth_integration_test.go (a
    name's short form, four letters or more)."""
    named = tokens - _JOINERS - _GENERIC_TOKENS
    wanted = words - _JOINERS
    if not named or not wanted:
        return False
    if named == wanted:
        return True
    return len(wanted) == 1 and all(
        len(t) >= 4 and any(w.startswith(t) for w in wanted) for t in named
    )


def _stem(path: Path) -> str:
    """A file's name as words name it: ``test_data_collection.py`` -> ``data_collection``,
    ``Button.test.tsx`` -> ``button``."""
    stem = path.name.split(".")[0].lower()
    return stem.removeprefix("test_").removesuffix("_test").removesuffix("_tests")


def _resolve(subject: str, m: Measurements, *, tests: bool = False) -> Path | Unmeasured | Measured:
    """The file or folder a claim is about: a path (also one written under the project's
    own folder name, as tree diagrams do, or relative to the report's own folder), a file
    name, or words naming one; with ``tests``, words name a test file or folder. A path
    that names no file in the tree measures 0: the claimed file does not exist."""
    project = m.project
    if ".." in Path(subject).parts:
        return Unmeasured(f"a file inside the project: {subject!r} climbs out of the folder")
    if m.near is not None and m.near != project and ("/" in subject or "." in subject):
        beside = m.near / subject.strip("/")
        if beside.exists() and _inside(beside, project):
            return beside
    parts = [p for p in subject.strip("/").split("/") if p not in ("", ".")]
    for skip in range(len(parts)):
        direct = project.joinpath(*parts[skip:])
        if (
            ("/" in subject or skip)
            and direct.exists()
            and parts[skip:]
            and _inside(direct, project)
        ):
            return direct
    candidates: list[Path] = []
    if "." in Path(subject).name:
        candidates = [p for p in m.files(project) if p.name == Path(subject).name]
        tail = "/".join(parts)
        if len(candidates) > 1 and "/" in subject:
            candidates = [c for c in candidates if c.as_posix().endswith(tail)] or candidates
    else:
        names = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", subject)]
        words = {w.rstrip("s") for w in names}
        words -= {"the", "module", "file", "component", "service", "package", "code"}
        joined = {"_".join(names), "".join(names), "-".join(names)}
        files = [
            p
            for p in m.files(project, CODE_SUFFIXES)
            if not tests or is_test_file(relative_path(p, project))
        ]
        folders = _folders(m)
        if tests:  # a folder of tests holds test files
            held = {p.parent for p in files}
            folders = [f for f in folders if any(h.is_relative_to(f) for h in held)]
        for path in [*files, *folders]:
            stem = _stem(path) if path.is_file() else path.name.lower()
            tokens = {t.rstrip("s") for t in re.split(r"[-_.]", stem)} if tests else set()
            # button-design.test.tsx is the tests of Button; analysis_and_plots is not
            # only of analysis.
            alike = bool(tokens & words) and tokens - words <= _GENERIC_TOKENS
            same = stem in joined or stem.rstrip("s") in words or (len(words) == 1 and alike)
            if same or (tests and _spells(tokens, words)):
                candidates.append(path)
    candidates = [
        c
        for c in candidates
        if _inside(c, project) and not (c.is_file() and c.parent in candidates)
    ]
    if len(candidates) > 1 and m.near is not None:
        near = [c for c in candidates if c.is_relative_to(m.near)]
        candidates = near or candidates
    if len(candidates) > 1 and m.report is not None and not m.naming:
        # Of several, the one holding a file the report itself names.
        listed = _named_files(m, "test" if tests else "code")
        holding = [c for c in candidates if any(n == c or n.is_relative_to(c) for n in listed)]
        candidates = holding or candidates
    if not candidates and "/" not in subject and "." not in subject:
        candidates = _named_alike(subject, m, tests=tests)
    if len(candidates) == 1:
        return candidates[0]
    needs = f"a file or module named by {subject!r}"
    if len(candidates) > 1:
        shown = ", ".join(relative_path(c, project) for c in candidates[:4])
        return Unmeasured(f"{needs}: it could be any of {shown}; name the file")
    if _NAMED_FILE.search(subject) and "*" not in subject and " " not in subject.strip():
        return Measured(0, f"no file {subject} in the tree")
    return Unmeasured(f"{needs}; none found in the tree")


_NAMED_FILE = re.compile(r"\.(?:py|js|jsx|ts|tsx|go|rs|java|rb|md|css|json|ya?ml|toml|sh)$")
"""A name the report gives as a file (``api/routes.py``), not words with a slash (``S3/EC2``)."""
_PATH_LIKE = re.compile(r"/|\.(?:py|js|jsx|ts|tsx|go|rs|java|rb|md|css|json|ya?ml|toml|sh)$")


def _named_alike(subject: str, m: Measurements, *, tests: bool) -> list[Path]:
    """Files the report itself names whose name and the words share their meaning ("Health
    Checks" is health_test.go, "HTTP Server" http_proxy_server_test.go): a report's labels
    are of the files it lists."""
    if m.naming:  # resolving the report's own names: no loop
        return []
    words = {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z0-9]+", subject)} - _JOINERS
    found = []
    for path in _named_files(m, "test" if tests else "code"):
        tokens = {t.rstrip("s") for t in re.split(r"[-_.]", _stem(path))} - _GENERIC_TOKENS
        tokens -= {"go", "py", "ts", "tsx", "js", "jsx"}
        if tokens and words and (tokens <= words or words <= tokens):
            found.append(path)
    return found


def _folders(m: Measurements) -> list[Path]:
    return cast(
        "list[Path]",
        m.once(
            "folders",
            lambda: sorted({p.parent for p in m.files(m.project) if p.parent != m.project}),
        ),
    )


def _bare(name: str) -> str:
    """A name without case or separators: PresenceBadge, presence-badge, presence_badge."""
    return re.sub(r"[-_]", "", name).lower()


def _listed_items(claim: Claim, m: Measurements) -> Measurement:
    """A count beside the names of what it counts: the list must have as many names, and
    each name must be a file of the tree (``Button`` -> ``Button.tsx``, ``button.py``)."""
    names = claim.items
    if claim.value is not None and len(names) != claim.value and claim.comparator == "=":
        return Measured(len(names), f"the report's own list names {len(names)}")
    stems = m.once(
        "stems",
        lambda: {
            _bare(_stem(p))
            for p in m.files(m.project, CODE_SUFFIXES)
            if not is_test_file(relative_path(p, m.project))
        },
    )
    found = [n for n in names if _bare(n.split(".")[0]) in stems]
    missing = [n for n in names if n not in found]
    source = f"{len(found)} of the {len(names)} named are files of the tree"
    if missing:
        source += f" (not found: {', '.join(missing[:5])})"
    return Measured(len(found), source)


def _files(claim: Claim, m: Measurements) -> Measurement:
    kind = claim.qualifier
    if claim.subject and not claim.subject.startswith("class "):
        return _files_in(claim, m)
    if kind == "changed":
        return Unmeasured("the change history (new, modified or updated files are not in a tree)")
    if kind == "source":
        return Measured(len(python_sources(m.project)), "Python source files in the tree")
    if kind == "python":
        count = sum(1 for _ in m.files(m.project, (".py",)))
        return Measured(count, "Python files in the tree")
    if kind == "test":
        count = sum(1 for p in m.files(m.project) if is_test_file(relative_path(p, m.project)))
        whole = scoped_elsewhere(claim, count, "the test files of the tree") or Measured(
            count, "test files in the tree"
        )
        if not _about_a_part(claim, whole):
            return whole
        beside = _section_test_files(claim, m)
        if beside:  # "Tests: 2 test files" in a section about one folder: its test files
            return Measured(
                len(beside), f"test files in {relative_path(beside[0].parent, m.project)}"
            )
        named = _named_files(m, "test")
        if len(named) < 2:
            return whole
        # "6 test files" in a report that names its test files counts those, as it does
        # for a total of tests.
        return Measured(len(named), f"test files the report names ({_shown(named, m)})")
    if kind == "markdown":
        count = sum(1 for _ in m.files(m.project, (".md", ".markdown")))
        return Measured(count, "Markdown files in the tree")
    kind_of_tests = re.search(r"(?i)\b([a-z][\w-]*)\s+tests?\s*:", claim.text)
    if kind_of_tests:  # "Unit tests: 15+ files": the test files of tests/unit/
        found = _test_folder_files(m, kind_of_tests.group(1).lower())
        if found is not None:
            return found
    return Unmeasured("a kind of file to count: say Python, test, Markdown or source files")


def _test_folder_files(m: Measurements, name: str) -> Measured | None:
    """Test files of the one folder of tests named ``name`` (``tests/unit``), if one."""
    folders = [
        f
        for f in _folders(m)
        if f.name.lower() == name
        and any(is_test_file(relative_path(p, m.project)) for p in m.files(f))
    ]
    if len(folders) != 1:
        return None
    files = [p for p in m.files(folders[0]) if is_test_file(relative_path(p, m.project))]
    return Measured(len(files), f"test files in {relative_path(folders[0], m.project)}")


def _matching(pattern: str, m: Measurements) -> tuple[list[Path], str] | Unmeasured:
    """Files that match a pattern the report names (``docs/UI-SPEC-*.md``), beside the
    report, from the project's root, or, for a tree diagram drawn from a folder below the
    root (``templates/*.css``), in the one folder of the tree that has them."""
    if ".." in Path(pattern).parts:
        return Unmeasured(f"files inside the project: {pattern!r} climbs out of the folder")
    for base in (m.near or m.project, m.project):
        found = [p for p in sorted(base.glob(pattern)) if p.is_file() and _inside(p, m.project)]
        if found:
            return found, relative_path(base, m.project) if base != m.project else "the tree"
    if "/" in pattern:
        below = [
            p for p in m.files(m.project) if PurePath(relative_path(p, m.project)).match(pattern)
        ]
        folders = sorted({relative_path(p.parent, m.project) for p in below})
        if len(folders) == 1:
            return below, folders[0]
        if folders:
            return Unmeasured(
                f"the folder of {pattern}: it could be any of {', '.join(folders[:4])}"
            )
    return [], "the tree"


def _files_in(claim: Claim, m: Measurements) -> Measurement:
    """Files in the folder the claim names (``Trust documentation (4 files)``), or that
    match the pattern it names (``docs/UI-SPEC-*.md``)."""
    if "*" in claim.subject:
        pattern = claim.subject.strip("/")
        matched = _matching(pattern, m)
        if isinstance(matched, Unmeasured):
            return matched
        files, where = matched
        if not files:
            return Measured(0, f"no file matching {pattern} in the tree")
        return Measured(len(files), f"files matching {pattern} in {where}")
    target = _resolve(claim.subject, m)
    if not isinstance(target, Path):
        return _in_section(claim, m, target)
    if target.is_file():
        return Unmeasured(f"a folder named by {claim.subject!r}: it names a file")
    files = list(m.files(target))
    what = "files"
    if claim.qualifier == "test":
        files = [p for p in files if is_test_file(relative_path(p, m.project))]
        what = "test files"
    return Measured(len(files), f"{what} in {relative_path(target, m.project)}")


_COMPONENT_SUFFIXES = (".tsx", ".jsx", ".vue", ".svelte")


def _components(claim: Claim, m: Measurements) -> Measurement:
    """UI components: the component files of the folder the claim names, else those the
    report names (its section's, then its own) that exist."""

    def component(path: Path) -> bool:
        rel = relative_path(path, m.project)
        story = ".stories." in path.name or ".story." in path.name
        return path.suffix in _COMPONENT_SUFFIXES and not is_test_file(rel) and not story

    if claim.subject:
        target = _resolve(claim.subject, m)
        if isinstance(target, Path) and target.is_dir():
            found = [p for p in m.files(target) if component(p) and p.stem != "index"]
            where = relative_path(target, m.project)
            return Measured(len(found), f"component files in {where}")
    named = [p for p in _section_files(claim, m) if component(p)]
    named = named or [p for p in _named_files(m, "code") if component(p)]
    if not named:
        return Unmeasured("a definition of what is counted: name the components' folder")
    return Measured(len(named), f"component files the report names ({_shown(named, m)})")


def _modules(claim: Claim, m: Measurements) -> Measurement:
    noun = claim.text.lower()
    if re.search(r"\bcomponents\b", noun) and not re.search(r"\b(modules|packages)\b", noun):
        return _components(claim, m)
    if not re.search(r"\b(modules|packages)\b", noun):
        return Unmeasured("a definition of what is counted: name the folder and count files")
    target: Path | Measurement = m.project
    if claim.subject:
        target = _resolve(claim.subject, m)
    if not isinstance(target, Path):
        return target
    sources = [
        p
        for p in m.files(target, (".py",))
        if not is_collected_test_file(p.name) and "tests" not in p.relative_to(target).parts
    ]
    name = relative_path(target, m.project) if target != m.project else "the tree"
    if "packages" in noun and "modules" not in noun:
        packages = {p.parent for p in sources if p.name == "__init__.py"}
        return Measured(len(packages), f"packages (folders with __init__.py) in {name}")
    without_init = [p for p in sources if p.name != "__init__.py"]
    if claim.value == len(sources) and len(sources) != len(without_init):
        return Measured(len(sources), f"Python modules in {name}, __init__.py included")
    return Measured(len(without_init), f"Python modules in {name}, __init__.py left out")


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
    if m.settings is None:
        return Unmeasured(needs)
    settings = m.settings
    approved = m.once("signoffs", lambda: _stored_approvals(settings, m.project))
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


def _read_store(settings: Settings, read: Callable[[Any, Any], T]) -> T | None:
    """What ``read(session, locker)`` finds in the project's store, in one transaction;
    None when the project has no store yet (claims are then judged on the tree)."""
    from assay.store.database import Store

    try:
        store = Store.open(settings.store_url, settings.evidence_dir, create=False)
    except NotFoundError:
        return None
    try:
        with store.transaction() as session:
            return read(session, store.locker)
    finally:
        store.close()


def _stored_summaries(
    settings: Settings, project: Path
) -> tuple[dict[str, Mapping[str, Any]], str]:
    from assay.store import repositories as repo

    def read(session: Any, locker: Any) -> tuple[dict[str, Mapping[str, Any]], str]:
        rows = repo.list_runs(session, 1, project_name(project))
        if not rows:
            return {}, "no stored run"
        # Only verified evidence measures a claim: an altered summary or blob is left out,
        # and the claims it would have settled stay unverifiable.
        records = [repo.to_record(e, locker) for e in rows[0].evidence]
        return {r.kind: r.summary for r in records if r.problem is None}, f"run {rows[0].id}"

    return _read_store(settings, read) or ({}, "no stored run")


def _stored_approvals(settings: Settings, project: Path) -> tuple[set[str], str] | None:
    """Roles whose quorum of valid approvals the project's newest release has, as
    ``assay release status`` judges them."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from assay.services.releases import release_status
    from assay.store.models import ProjectRow, ReleaseRow

    def newest(session: Any, _locker: Any) -> str | None:
        return cast(
            "str | None",
            session.scalars(
                select(ReleaseRow.name)
                .join(ProjectRow, ReleaseRow.project_id == ProjectRow.id)
                .where(ProjectRow.name == project_name(project))
                .order_by(ReleaseRow.created_at.desc())
                .limit(1)
            ).first(),
        )

    name = _read_store(settings, newest)
    if name is None:
        return None
    status = release_status(settings, project, name, datetime.now(UTC))
    approved = {
        r.role for r in status.roles if len(r.approved_by) >= r.needed and not r.rejected_by
    }
    return approved, name


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
    if done.returncode not in (0, 5):
        return None  # collection errors (dependencies missing): the count would be partial
    match = re.search(r"(\d+) tests? collected", done.stdout) or re.search(
        r"collected (\d+) items?", done.stdout
    )
    if match:
        return int(match.group(1))
    return sum(1 for line in done.stdout.splitlines() if "::" in line)
