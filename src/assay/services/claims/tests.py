"""Claims of test counts: the whole project's tests, those of a file, folder, class or
scope the claim names, a run's outcome, benchmarks."""

from __future__ import annotations

import re
from pathlib import Path

from assay.collectors._files import relative_path
from assay.core.claims import Claim, Measured, Measurement, Unmeasured
from assay.core.testcount import TestCount, count_benchmarks_in
from assay.services.claims.measurements import Measurements
from assay.services.claims.naming import _named_files, _resolve, _shown
from assay.services.claims.sections import _in_section, _section_test_files
from assay.services.claims.tree import (
    NAMED_SCOPE_RATIO,
    _about_a_part,
    _class_tests,
    _count_files,
    _count_static,
    _file_tests,
    _missing_class,
    _static_tests,
    _test_files,
    _text,
    scoped_elsewhere,
)


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


def _whole_project_tests(claim: Claim, m: Measurements) -> Measurement:
    if m.collected_tests is not None:
        return Measured(m.collected_tests, "pytest --collect-only")
    tests, source = m.summary("tests")
    if isinstance(tests.get("tests"), int):
        return Measured(float(tests["tests"]), source)
    return _static_tests(claim, m, m.project, "the tree")


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
