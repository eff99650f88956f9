"""The two real projects the labelled completion reports are about, built and certified.

``service``: a web service with route declarations, JUnit results (38 of 40 passed),
coverage.py JSON (87.5%), a locust run (average 45.2 ms, p95 120 ms, p99 250 ms,
1,500.3 req/s, 3 failures in 3,000), a dependency with a known vulnerability (imported
from the shared OSV advisories), and benchmarks 4% slower than its baseline run.
``library``: a small library with no results, no load tests and no vulnerability data.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from conftest import SHARED, run_assay

ADVISORIES = SHARED / "data" / "osv-pypi-advisories.zip"


def _functions(count: int, header: str) -> str:
    """A module of ``count`` three-line functions after a two-line header."""
    body = "".join(f"def rate_{i}(x: int) -> int:\n    return x + {i}\n\n" for i in range(count))
    return header + body


APP = '''\
"""The quotes service."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/quotes")
def list_quotes() -> list[str]:
    return []


@app.post("/quotes")
def create_quote() -> dict[str, str]:
    return {}


@app.get("/quotes/{quote_id}")
def read_quote(quote_id: int) -> dict[str, int]:
    return {"id": quote_id}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
'''


def _junit(passed: int, failed: int) -> str:
    cases = [
        f'<testcase classname="tests.test_app" name="test_{i}" time="0.01"/>' for i in range(passed)
    ]
    cases += [
        f'<testcase classname="tests.test_app" name="test_f{i}" time="0.01">'
        '<failure message="boom">boom</failure></testcase>'
        for i in range(failed)
    ]
    total = passed + failed
    return (
        f'<testsuites><testsuite name="pytest" tests="{total}" failures="{failed}" errors="0">'
        + "".join(cases)
        + "</testsuite></testsuites>\n"
    )


LOCUST = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
    ",Aggregated,3000,3,40,45.2,3.1,900,512,1500.3,1.5,40,48,55,60,90,120,180,250,600,800,900\n"
)


def build_service(root: Path) -> Path:
    if not ADVISORIES.is_file():
        pytest.skip(f"the shared OSV advisories are not at {ADVISORIES} (CI always has them)")
    files = {
        "pyproject.toml": '[project]\nname = "quotes"\nversion = "2.1.0"\n',
        "requirements.txt": "jinja2==2.10\n",
        "src/quotes/__init__.py": '"""Quotes."""\n',
        "src/quotes/app.py": APP,
        "src/quotes/models.py": _functions(39, '"""Data models."""\n\n\n'),
        "src/quotes/pricing.py": _functions(26, '"""Pricing."""\n\n'),
        "tests/test_app.py": "def test_placeholder():\n    assert 1 + 1 == 2\n",
        "reports/junit.xml": _junit(38, 2),
        "coverage.json": json.dumps(
            {"totals": {"num_statements": 200, "covered_lines": 175}, "files": {}}
        ),
        "load/run_stats.csv": LOCUST,
        "benchmark.json": _benchmark(0.0100),
    }
    _write(root, files)
    assert len((root / "src/quotes/models.py").read_text().splitlines()) == 120
    assert len((root / "src/quotes/pricing.py").read_text().splitlines()) == 80
    advisories = root.parent / "advisories"
    advisories.mkdir(exist_ok=True)
    with zipfile.ZipFile(ADVISORIES) as archive:
        (advisories / "PYSEC-2019-217.json").write_bytes(archive.read("PYSEC-2019-217.json"))
    assert run_assay("vulndb", "import", advisories, "-C", root).code == 0
    (root / "assay.toml").write_text('[vulnerabilities]\nsource = "offline"\n', encoding="utf-8")
    first = _certify(root)
    assert run_assay("runs", "baseline", first, "-C", root).code == 0
    (root / "benchmark.json").write_text(_benchmark(0.0104), encoding="utf-8")
    _certify(root)
    return root


def build_library(root: Path) -> Path:
    files = {
        "pyproject.toml": '[project]\nname = "weights"\nversion = "0.3.0"\n',
        "requirements.txt": "attrs==24.2.0\n",
        "src/weights/__init__.py": '"""Weights."""\n',
        "src/weights/convert.py": _functions(16, '"""Conversions."""\n\n'),
        "assay.toml": '[vulnerabilities]\nsource = "offline"\n',
    }
    _write(root, files)
    assert len((root / "src/weights/convert.py").read_text().splitlines()) == 50
    _certify(root)
    return root


def _benchmark(mean: float) -> str:
    stats = {"name": "test_price", "mean": mean, "min": mean, "stddev": mean * 0.001}
    return json.dumps({"benchmarks": [{**stats, "rounds": 500, "iqr": mean * 0.001}]})


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def _certify(root: Path) -> str:
    done = run_assay("certify", root, "--author", "ci@example.com")
    assert done.code in (0, 1), done.err
    newest = max((root / ".assay/reports").glob("*/report.json"), key=lambda p: p.stat().st_mtime)
    run_id: str = json.loads(newest.read_text(encoding="utf-8"))["run"]["id"]
    return run_id
