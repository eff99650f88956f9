"""Integration tests recognised by marker, folder and name, matched to a real pytest run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.collectors.integration import find_integration_tests
from assay.core.integration import summarise_integration
from assay.core.results import Outcome, TestCase
from conftest import TOOL_PACKAGES, run_assay, shared_venv

FILES = {
    "pyproject.toml": """\
[project]
name = "orders"
version = "1.2.0"
dependencies = []

[tool.pytest.ini_options]
pythonpath = ["src"]
markers = ["integration: talks to real services"]
""",
    "src/orders/__init__.py": '''\
"""Order totals."""


def total(prices: list[float]) -> float:
    """The sum of the prices, rounded to cents."""
    return round(sum(prices), 2)
''',
    "tests/unit/test_total.py": """\
from orders import total


def test_total():
    assert total([1.005, 2]) == 3.0
""",
    "tests/integration/test_store.py": """\
import json

import pytest


def test_roundtrip(tmp_path):
    path = tmp_path / "order.json"
    path.write_text(json.dumps({"id": 1}))
    assert json.loads(path.read_text()) == {"id": 1}


@pytest.mark.parametrize("count", [1, 2])
def test_param(count):
    assert count > 0
""",
    "tests/test_api.py": """\
import pytest

from orders import total


@pytest.mark.integration
def test_api_roundtrip():
    assert total([2.5, 2.5]) == 5.0


def test_plain():
    assert total([]) == 0
""",
    "tests/test_checkout_integration.py": """\
from orders import total


def test_checkout():
    assert total([0.1, 0.2]) == 0.4, "the checkout total is off"
""",
    "tests/test_db.py": """\
import pytest


class TestDatabase:
    pytestmark = pytest.mark.integration

    def test_connect(self):
        assert True

    def test_slow(self):
        assert True
""",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "orders"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_integration_tests_are_found_by_marker_folder_and_name(project: Path) -> None:
    found = {(t.node, t.reasons) for t in find_integration_tests(project)}
    assert found == {
        ("tests.integration.test_store.test_roundtrip", ("folder",)),
        ("tests.integration.test_store.test_param", ("folder",)),
        ("tests.test_api.test_api_roundtrip", ("marker",)),
        ("tests.test_checkout_integration.test_checkout", ("name",)),
        ("tests.test_db.TestDatabase.test_connect", ("marker",)),
        ("tests.test_db.TestDatabase.test_slow", ("marker",)),
    }


@pytest.mark.network
def test_certify_stores_integration_results_from_a_real_pytest_run(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    venv = shared_venv(tmp_path_factory, TOOL_PACKAGES)
    command = [
        str(venv / "bin" / "python"),
        "-m",
        "pytest",
        "-q",
        "--junitxml=build/junit.xml",
        "--deselect",
        "tests/test_db.py::TestDatabase::test_slow",
    ]
    (project / "requirements.txt").write_text("pytest==8.3.3\n", encoding="utf-8")
    (project / "assay.toml").write_text(f"[tests]\ncommand = {json.dumps(command)}\n")
    result = run_assay("certify", project)
    assert result.code == 1, result.err
    report = json.loads(next((project / ".assay/reports").glob("*/report.json")).read_text())
    (item,) = [e for e in report["evidence"] if e["kind"] == "integration-tests"]
    assert item["summary"] == {
        "declared": 6,
        "executed": 6,  # test_param runs twice; test_slow was deselected
        "passed": 5,
        "failed": 1,
        "not_run": 1,
        "all_passed": False,
    }
    document = json.loads(run_assay("evidence", "show", item["id"], "--raw", "-C", project).out)
    assert document["summary"]["failures"] == ["tests.test_checkout_integration::test_checkout"]
    assert document["summary"]["not_run"] == ["tests.test_db.TestDatabase.test_slow"]
    step = next(s for s in report["steps"] if s["name"] == "integration")
    assert "failed: tests.test_checkout_integration::test_checkout" in step["notes"]


def test_a_project_without_integration_tests_says_so(project: Path) -> None:
    for name in list(FILES):
        if name.startswith("tests/") and name != "tests/unit/test_total.py":
            (project / name).unlink()
    assert find_integration_tests(project) == []
    (project / "requirements.txt").write_text("pytest==8.3.3\n", encoding="utf-8")
    result = run_assay("certify", project)
    report = json.loads(next((project / ".assay/reports").glob("*/report.json")).read_text())
    step = next(s for s in report["steps"] if s["name"] == "integration")
    assert step["skipped"] and "no integration tests" in step["skipped"]
    assert result.code == 1


def test_cases_of_other_languages_count_when_their_names_say_integration() -> None:
    cases = [
        TestCase("s", "com.shop.OrderIntegrationTest", "placesOrder", 0.1, Outcome.PASSED),
        TestCase("s", "com.shop.OrderTest", "totals", 0.1, Outcome.PASSED),
        TestCase("s", "e2e.checkout", "pays", 0.1, Outcome.FAILED),
    ]
    summary = summarise_integration([], cases)
    assert (summary.executed, summary.failed, summary.recognised_in_results) == (2, 1, 2)
