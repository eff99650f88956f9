"""Readers of test, coverage, benchmark and load-test result files, and their discovery.

XML goes through defusedxml, so a hostile report cannot expand entities or reach out to
external resources; every malformed file is reported by name.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeTree
from defusedxml import DefusedXmlException

from assay.collectors._files import InputFile, read_input, walk_files
from assay.core.results import (
    Benchmark,
    CoverageReport,
    FileCoverage,
    LoadStat,
    Outcome,
    TestCase,
    TestReport,
)
from assay.errors import InventoryError

__all__ = [
    "classify",
    "discover",
    "kind_of_result",
    "read_benchmarks",
    "read_coverage",
    "read_junit",
    "read_locust",
]


def read_junit(path: Path) -> TestReport:
    """A JUnit XML report (pytest, and the other producers that follow the format)."""
    file = read_input(path)
    root = _xml(file)
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    if root.tag not in ("testsuite", "testsuites"):
        raise file.corrupt(f"the root element is <{root.tag}>, not <testsuites> or <testsuite>")
    cases = []
    for suite in suites:
        for case in suite.findall("testcase"):
            cases.append(
                TestCase(
                    suite=suite.get("name", ""),
                    classname=case.get("classname", ""),
                    name=case.get("name", ""),
                    seconds=_float(case.get("time"), file, "time") or 0.0,
                    outcome=_outcome(case),
                    message=_message(case),
                )
            )
    return TestReport(str(path), tuple(cases))


def read_coverage(path: Path) -> CoverageReport:
    """coverage.py JSON, or Cobertura XML (which coverage.py's XML report is)."""
    file = read_input(path)
    if path.suffix == ".json":
        return _coverage_json(file)
    root = _xml(file)
    if root.tag != "coverage":
        raise file.corrupt(f"the root element is <{root.tag}>, not Cobertura's <coverage>")
    files: dict[str, list[int]] = {}
    for element in root.iter("class"):
        name = element.get("filename", "")
        counts = files.setdefault(name, [0, 0, 0, 0])
        for line in element.iter("line"):
            counts[0] += 1
            counts[1] += 1 if _count(line.get("hits", "0"), file, "hits") > 0 else 0
            condition = line.get("condition-coverage")
            if line.get("branch") == "true" and condition and "(" in condition:
                covered, _, valid = condition.split("(")[1].rstrip(")").partition("/")
                counts[2] += _count(valid, file, "condition-coverage")
                counts[3] += _count(covered, file, "condition-coverage")
    head = file.data[:400].decode("utf-8", "replace")
    producer = "coverage.py" if "coverage.py" in head else "Cobertura"

    def total(name: str, index: int) -> int:
        given = root.get(name)
        return sum(c[index] for c in files.values()) if given is None else _count(given, file, name)

    return CoverageReport(
        source=str(path),
        producer=producer,
        lines_valid=total("lines-valid", 0),
        lines_covered=total("lines-covered", 1),
        branches_valid=total("branches-valid", 2),
        branches_covered=total("branches-covered", 3),
        files=tuple(
            FileCoverage(name, c[0], c[1], c[2], c[3]) for name, c in sorted(files.items())
        ),
    )


def read_benchmarks(path: Path) -> tuple[Benchmark, ...]:
    """pytest-benchmark JSON, or the generic form ``{"benchmarks": [{"name", "mean"...}]}``.

    Times are in seconds in both.
    """
    file = read_input(path)
    data = file.json()
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        raise file.corrupt("expected an object with a 'benchmarks' list")
    result = []
    for index, entry in enumerate(data["benchmarks"]):
        if not isinstance(entry, dict) or "name" not in entry:
            raise file.corrupt(f"benchmark {index + 1} has no name")
        stats = entry.get("stats", entry)  # pytest-benchmark nests them under "stats"
        if not isinstance(stats, dict) or "mean" not in stats:
            raise file.corrupt(f"benchmark {entry['name']!r} has no mean")
        result.append(
            Benchmark(
                source=str(path),
                name=str(entry.get("fullname") or entry["name"]),
                mean=_number(stats["mean"], file, "mean"),
                median=_optional(stats.get("median"), file),
                minimum=_optional(stats.get("min"), file),
                maximum=_optional(stats.get("max"), file),
                stddev=_optional(stats.get("stddev"), file),
                rounds=int(stats["rounds"]) if isinstance(stats.get("rounds"), int) else None,
                iqr=_optional(stats.get("iqr"), file),
            )
        )
    return tuple(result)


def read_locust(path: Path) -> tuple[LoadStat, ...]:
    """A locust ``*_stats.csv`` file (its "Aggregated" row included)."""
    file = read_input(path)
    try:
        return _locust_rows(file)
    except csv.Error as exc:  # a NUL byte, a quote left open, a line break inside a field
        raise file.corrupt(f"not a CSV file Assay can read ({exc})") from exc


def _locust_rows(file: InputFile) -> tuple[LoadStat, ...]:
    path = file.path
    reader = csv.DictReader(io.StringIO(file.text, newline=""))
    needed = {
        "Name",
        "Request Count",
        "Failure Count",
        "Median Response Time",
        "Average Response Time",
        "Requests/s",
    }
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        missing = sorted(needed - set(reader.fieldnames or []))
        raise file.corrupt(f"not a locust statistics CSV (missing columns: {', '.join(missing)})")
    rows = []
    for row in reader:
        rows.append(
            LoadStat(
                source=str(path),
                method=row.get("Type") or "",
                name=row["Name"],
                requests=int(_number(row["Request Count"], file, "Request Count")),
                failures=int(_number(row["Failure Count"], file, "Failure Count")),
                median_ms=_number(row["Median Response Time"], file, "Median Response Time"),
                average_ms=_number(row["Average Response Time"], file, "Average Response Time"),
                p95_ms=_optional(row.get("95%"), file),
                p99_ms=_optional(row.get("99%"), file),
                requests_per_s=_number(row["Requests/s"], file, "Requests/s"),
            )
        )
    return tuple(rows)


def kind_of_result(path: Path, *, listed: bool = False) -> str | None:
    """``junit``, ``coverage``, ``benchmarks``, ``locust``, ``k6`` or ``wrk`` for a result
    file, by its name.

    Files found in the tree must say what they are (``junit*.xml``, ``coverage.xml``,
    ``k6-summary.json``, ``wrk.txt``); files the user lists in ``[tests] results`` are
    taken at their word by extension, and a listed JSON or text file by its first lines.
    """
    name = path.name.lower()
    if name.endswith("_stats.csv"):
        return "locust"
    if name.endswith(".json") and ("k6" in name or (listed and _starts_with(path, "http_req"))):
        return "k6"
    if path.suffix.lower() in (".txt", ".log", ".out") and (
        "wrk" in name or (listed and _starts_with(path, "Requests/sec:"))
    ):
        return "wrk"
    if name in ("coverage.xml", "coverage.json", "cobertura.xml", "cobertura-coverage.xml") or (
        listed and ("coverage" in name or "cobertura" in name)
    ):
        return "coverage"
    if name.endswith(".xml") and (listed or "junit" in name or "test-results" in str(path).lower()):
        return "junit"
    if name.endswith(".json") and (listed or ".benchmarks" in path.parts or "benchmark" in name):
        return "benchmarks"
    return None


def classify(paths: Iterable[Path], *, listed: bool = False) -> dict[str, list[Path]]:
    """Result files by kind; files of no known kind are left out."""
    found: dict[str, list[Path]] = {
        kind: [] for kind in ("junit", "coverage", "benchmarks", "locust", "k6", "wrk")
    }
    for path in paths:
        kind = kind_of_result(path, listed=listed)
        if kind:
            found[kind].append(path)
    return {kind: sorted(items) for kind, items in found.items()}


def discover(project: Path) -> dict[str, list[Path]]:
    """Result files in the tree, by kind: junit, coverage, benchmarks, locust, k6, wrk."""
    return classify(walk_files(project))


def _starts_with(path: Path, marker: str) -> bool:
    """Whether ``marker`` occurs in the first 64 KiB of the file."""
    try:
        with path.open("rb") as handle:
            return marker.encode() in handle.read(65536)
    except OSError:
        return False


def _xml(file: InputFile) -> Element:
    try:
        root: Element = SafeTree.fromstring(file.data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InventoryError(
            f"{file.path} was refused: it declares a DTD or entities ({type(exc).__name__})",
            hint="result files never need a DTD; regenerate the file with its tool",
        ) from exc
    except SafeTree.ParseError as exc:
        raise InventoryError(
            f"{file.path} is not well-formed XML: {exc}",
            hint="the run that wrote it may have been cut off; run it again",
        ) from exc
    except (LookupError, ValueError) as exc:
        # <?xml encoding="..."?> names an encoding Python lacks (LookupError) or one expat
        # cannot read (ValueError: "multi-byte encodings are not supported", UTF-7).
        raise InventoryError(
            f"{file.path} declares an encoding Assay cannot read: {exc}",
            hint="result files are UTF-8; regenerate the file with its tool",
        ) from exc
    return root


def _coverage_json(file: InputFile) -> CoverageReport:
    data = file.json()
    totals = data.get("totals") if isinstance(data, dict) else None
    if not isinstance(totals, dict) or not isinstance(data.get("files"), dict):
        raise file.corrupt("expected coverage.py's JSON report with 'totals' and 'files'")
    files = []
    for name, entry in sorted(data["files"].items()):
        summary = entry.get("summary") if isinstance(entry, dict) else None
        if not isinstance(summary, dict):
            raise file.corrupt(f"the entry of {name!r} in 'files' has no 'summary' object")
        files.append(FileCoverage(name, *_coverage_counts(summary, file, name)))
    statements, covered, branches, covered_branches = _coverage_counts(totals, file, "totals")
    return CoverageReport(
        source=str(file.path),
        producer="coverage.py",
        lines_valid=statements,
        lines_covered=covered,
        branches_valid=branches,
        branches_covered=covered_branches,
        files=tuple(files),
    )


def _coverage_counts(summary: dict[str, Any], file: InputFile, where: str) -> list[int]:
    """Statements, covered lines, branches and covered branches of a coverage.py summary."""
    fields = ("num_statements", "covered_lines", "num_branches", "covered_branches")
    return [_count(summary.get(field, 0), file, f"{where} {field}") for field in fields]


def _count(value: Any, file: InputFile, field: str) -> int:
    """A count: a whole number, 0 or more (as text in XML attributes)."""
    if isinstance(value, bool):
        raise file.corrupt(f"{field} {value!r} is not a count")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value) if len(value.strip()) <= 19 else 2**63
    else:
        raise file.corrupt(f"{field} {str(value)[:40]!r} is not a count")
    if not 0 <= number < 2**63:
        raise file.corrupt(f"{field} {str(number)[:40]} is not a count (0 or more)")
    return number


def _outcome(case: Element) -> Outcome:
    if case.find("failure") is not None:
        return Outcome.FAILED
    if case.find("error") is not None:
        return Outcome.ERROR
    if case.find("skipped") is not None:
        return Outcome.SKIPPED
    return Outcome.PASSED


def _message(case: Element) -> str:
    for tag in ("failure", "error", "skipped"):
        element = case.find(tag)
        if element is not None:
            return (
                (element.get("message") or "").strip().splitlines()[0:1][0]
                if (element.get("message") or "").strip()
                else ""
            )
    return ""


def _float(value: str | None, file: InputFile, field: str) -> float | None:
    return None if value in (None, "") else _number(value, file, field)


def _number(value: Any, file: InputFile, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise file.corrupt(f"{field} {str(value)[:40]!r} is not a number") from None
    if not math.isfinite(number):  # NaN and infinity are no measurement
        raise file.corrupt(f"{field} {str(value)[:40]!r} is not a finite number")
    return number


def _optional(value: Any, file: InputFile) -> float | None:
    if value in (None, "", "N/A"):
        return None
    return _number(value, file, "statistic")
