"""Counting in the tree: lines, test functions and classes of files, and whether a
count is about the whole tree or a part of it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from assay.collectors._files import relative_path
from assay.core.claims import Claim, Measured, Measurement, Unmeasured, Verdict, judge_claim
from assay.core.testcount import TestCount, count_tests_in, is_test_file
from assay.services.claims.measurements import Measurements

__all__ = ["CODE_SUFFIXES", "NAMED_SCOPE_RATIO", "SCOPE_RATIO", "scoped_elsewhere"]

CODE_SUFFIXES = (".py", ".js", ".jsx", ".ts", ".tsx", ".go", ".rs", ".java", ".rb", ".kt", ".cs")


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


def _about_a_part(claim: Claim, whole: Measurement) -> bool:
    """Whether a count the whole tree does not bear out is about a part of it: the tree
    holds far more (beyond 1.2 N) or could not be counted. A claim near the whole tree's
    count ("2,552 tests" of 2,622) is about the whole, and is judged there."""
    if judge_claim(claim, whole).verdict is Verdict.SUPPORTED:
        return False
    if not isinstance(whole, Measured) or claim.value is None:
        return True
    return whole.value > SCOPE_RATIO * claim.value


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


def _test_files(m: Measurements, target: Path) -> list[Path]:
    if target.is_file():
        return [target]
    return [p for p in m.files(target) if is_test_file(relative_path(p, m.project))]


def _file_tests(m: Measurements, path: Path) -> TestCount:
    return cast(
        TestCount,
        m.once(f"tests:{path}", lambda: count_tests_in(path.name, _text(path))),
    )


def _lines_of(files: Sequence[Path]) -> int:
    return sum(len(_text(p).splitlines()) for p in files)


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")
