"""Ingesting real test, coverage and benchmark output, and refusing bad files clearly."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from assay.collectors.results import (
    discover,
    read_benchmarks,
    read_coverage,
    read_junit,
    read_locust,
)
from assay.core.results import Outcome
from assay.errors import InventoryError
from conftest import EXAMPLE, TOOL_PACKAGES, run_assay, shared_venv


@pytest.fixture(scope="module")
def tool_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_venv(tmp_path_factory, TOOL_PACKAGES)


@pytest.fixture
def ran_example(tool_venv: Path, tmp_path: Path) -> Path:
    """The example project after a real pytest + coverage run, with one failing test added."""
    project = tmp_path / "example"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".assay", "__pycache__"))
    (project / "tests" / "test_extra.py").write_text(
        "import pytest\n\n"
        "def test_a_failure_is_recorded():\n    assert 1 + 1 == 3\n\n"
        "@pytest.mark.skip(reason='not on this platform')\n"
        "def test_a_skip_is_recorded():\n    pass\n\n"
        "def test_timed(benchmark):\n    benchmark(sum, range(100))\n",
        encoding="utf-8",
    )
    python = str(tool_venv / "bin" / "python")
    subprocess.run(
        [
            python,
            "-m",
            "coverage",
            "run",
            "--branch",
            "-m",
            "pytest",
            "-q",
            "--junitxml=junit.xml",
            "--benchmark-json=benchmark.json",
        ],
        cwd=project,
        capture_output=True,
        check=False,
        timeout=300,
    )
    for kind in ("xml", "json"):
        subprocess.run([python, "-m", "coverage", kind, "-q"], cwd=project, check=True)
    return project


@pytest.mark.network
def test_junit_from_pytest_is_ingested_with_counts_and_durations(ran_example: Path) -> None:
    report = read_junit(ran_example / "junit.xml")
    assert report.total == 6
    assert (report.count(Outcome.PASSED), report.count(Outcome.FAILED)) == (4, 1)
    assert report.count(Outcome.SKIPPED) == 1
    failed = next(c for c in report.cases if c.outcome is Outcome.FAILED)
    assert failed.name == "test_a_failure_is_recorded" and "assert" in failed.message
    assert all(c.seconds >= 0 for c in report.cases)


@pytest.mark.network
def test_coverage_xml_and_json_from_coverage_py_agree(ran_example: Path) -> None:
    xml = read_coverage(ran_example / "coverage.xml")
    data = read_coverage(ran_example / "coverage.json")
    assert xml.producer == data.producer == "coverage.py"
    assert (xml.lines_valid, xml.lines_covered) == (data.lines_valid, data.lines_covered)
    assert xml.branches_valid == data.branches_valid > 0
    assert xml.line_rate is not None and 0.5 < xml.line_rate <= 1.0
    quotes = [f for f in xml.files if f.path.endswith("shipping_quotes/quotes.py")]
    assert len(quotes) == 1 and quotes[0].lines_covered > 0


@pytest.mark.network
def test_pytest_benchmark_json_is_ingested(ran_example: Path) -> None:
    (benchmark,) = read_benchmarks(ran_example / "benchmark.json")
    assert benchmark.name.endswith("test_timed")
    assert benchmark.mean > 0 and benchmark.rounds and benchmark.rounds > 0


@pytest.mark.network
def test_certify_runs_the_configured_test_command_and_stores_its_results(
    tool_venv: Path, example_project: Path
) -> None:
    python = str(tool_venv / "bin" / "python")
    (example_project / "assay.toml").write_text(
        f'[tests]\ncommand = ["{python}", "-m", "pytest", "-q", "--junitxml=build/junit.xml"]\n',
        encoding="utf-8",
    )
    result = run_assay("certify", example_project)
    assert result.code == 1, result.err
    report = json.loads(
        next((example_project / ".assay/reports").glob("*/report.json")).read_text("utf-8")
    )
    tests = next(e for e in report["evidence"] if e["kind"] == "tests")
    assert (tests["summary"]["tests"], tests["summary"]["passed"]) == (3, 3)
    notes = next(s for s in report["steps"] if s["name"] == "tests")["notes"]
    assert any(n.startswith("ran ") and "exit code 0" in n for n in notes)
    assert "read junit results from build/junit.xml" in notes


def test_without_a_command_certify_reads_result_files_and_says_which(
    example_project: Path,
) -> None:
    (example_project / "reports").mkdir()
    (example_project / "reports" / "junit.xml").write_text(
        '<testsuites><testsuite name="s"><testcase classname="c" name="t" time="0.5"/>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    assert discover(example_project)["junit"] == [example_project / "reports" / "junit.xml"]
    result = run_assay("certify", example_project)
    assert result.code == 1, result.err
    assert "read junit results from reports/junit.xml" in result.out


def test_no_results_and_no_command_is_said_not_hidden(example_project: Path) -> None:
    result = run_assay("certify", example_project)
    report = json.loads(
        next((example_project / ".assay/reports").glob("*/report.json")).read_text("utf-8")
    )
    step = next(s for s in report["steps"] if s["name"] == "tests")
    assert step["skipped"] and "[tests] command" in step["skipped"]
    assert "tests" not in {e["kind"] for e in report["evidence"]}
    assert result.code == 1


@pytest.mark.parametrize(
    ("name", "content", "phrase"),
    [
        ("junit.xml", "<testsuites><testsuite>", "is not well-formed XML"),
        (
            "junit.xml",
            '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
            '"&lol;&lol;&lol;&lol;">]><testsuites>&lol2;</testsuites>',
            "was refused: it declares a DTD or entities",
        ),
        ("junit.xml", "<html><body/></html>", "not <testsuites> or <testsuite>"),
        ("coverage.json", '{"totals": ', "is not valid JSON"),
        ("coverage.json", '{"meta": {}}', "expected coverage.py's JSON report"),
        ("benchmark.json", '{"benchmarks": [{"name": "x"}]}', "has no mean"),
        ("load_stats.csv", "a,b\n1,2\n", "not a locust statistics CSV"),
    ],
)
def test_bad_result_files_are_named_with_what_is_wrong(
    tmp_path: Path, name: str, content: str, phrase: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    reader = {
        "junit.xml": read_junit,
        "coverage.json": read_coverage,
        "benchmark.json": read_benchmarks,
        "load_stats.csv": read_locust,
    }[name]
    with pytest.raises(InventoryError) as caught:
        reader(path)
    assert phrase in caught.value.message and str(path) in caught.value.message


def test_locust_statistics_are_read_with_percentiles(tmp_path: Path) -> None:
    path = tmp_path / "run_stats.csv"
    path.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
        "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
        "GET,/quote,1500,3,41,45.2,12,230,512,98.5,0.2,41,44,46,48,55,61,80,95,180,230,230\n"
        ",Aggregated,1500,3,41,45.2,12,230,512,98.5,0.2,41,44,46,48,55,61,80,95,180,230,230\n",
        encoding="utf-8",
    )
    rows = read_locust(path)
    assert [(r.name, r.requests, r.failures, r.p95_ms, r.p99_ms) for r in rows] == [
        ("/quote", 1500, 3, 61.0, 95.0),
        ("Aggregated", 1500, 3, 61.0, 95.0),
    ]


def test_listed_result_files_are_read_whatever_their_names(example_project: Path) -> None:
    (example_project / "out").mkdir()
    (example_project / "out" / "report.xml").write_text(
        '<testsuite name="s"><testcase classname="c" name="a" time="0.1"/>'
        '<testcase classname="c" name="b" time="0.1"><failure message="boom"/></testcase>'
        "</testsuite>",
        encoding="utf-8",
    )
    (example_project / "assay.toml").write_text(
        '[tests]\nresults = ["out/report.xml"]\n', encoding="utf-8"
    )
    assert discover(example_project)["junit"] == []  # the name alone does not say JUnit
    result = run_assay("certify", example_project)
    assert result.code == 1, result.err
    report = json.loads(
        next((example_project / ".assay/reports").glob("*/report.json")).read_text("utf-8")
    )
    tests = next(e for e in report["evidence"] if e["kind"] == "tests")
    assert (tests["summary"]["tests"], tests["summary"]["failed"]) == (2, 1)
