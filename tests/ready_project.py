"""A small real project that can pass every default gate, for gate, sign-off and
certificate tests: its own tests run under pytest, it has integration tests, benchmark
and locust results, alert rules, docs, a built artifact with signed provenance, and
vulnerability data imported from the shared OSV advisories."""

from __future__ import annotations

import json
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import SHARED, run_assay

ADVISORIES = SHARED / "data" / "osv-pypi-advisories.zip"
PASSPHRASE = "correct horse battery staple"
AUTHOR = "ci@ledger.example"

FILES = {
    "pyproject.toml": """\
[project]
name = "ledger"
version = "1.0.0"
description = "Double-entry ledger arithmetic."
dependencies = ["attrs==24.2.0"]

[tool.pytest.ini_options]
pythonpath = ["src"]
""",
    "requirements.txt": "attrs==24.2.0\n",
    "README.md": """\
# ledger

Double-entry ledger arithmetic for small shops: post journal entries, check that every
entry balances, and read account balances. Amounts are integer cents, so no rounding
error can creep into a balance.

## Install

    pip install ledger

## Usage

    from ledger.book import balance, post
    entries = post([], "cash", "sales", 1250)
    balance(entries, "cash")

## Operations

Alert rules for the service that embeds the ledger are in monitoring/alerts.rules.yml.
""",
    "CHANGELOG.md": "# Changelog\n\n## 1.0.0\n- First release.\n",
    # Found by the claims step (a report-like name) and judged for the THEATER gate.
    "COMPLETION_REPORT.md": """\
# Ledger 1.0 completion report

- ✅ All 3 tests passing
- ✅ Zero critical vulnerabilities
- ✅ 1,850 req/s with a p99 latency of 4 ms
""",
    "src/ledger/__init__.py": '"""Double-entry ledger arithmetic."""\n',
    "src/ledger/book.py": '''\
"""Journal entries and balances, in integer cents."""

from __future__ import annotations


Journal = list[tuple[str, str, int]]


def post(entries: Journal, debit: str, credit: str, cents: int) -> Journal:
    """A new journal with one more entry moving ``cents`` from ``credit`` to ``debit``."""
    if cents <= 0:
        raise ValueError("an entry moves a positive amount")
    return [*entries, (debit, credit, cents)]


def balance(entries: Journal, account: str) -> int:
    """Debits minus credits of ``account``."""
    return sum(c for d, _, c in entries if d == account) - sum(
        c for _, k, c in entries if k == account
    )
''',
    "tests/test_book.py": """\
import pytest

from ledger.book import balance, post


def test_posting_moves_the_amount():
    entries = post([], "cash", "sales", 1250)
    assert balance(entries, "cash") == 1250
    assert balance(entries, "sales") == -1250


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError):
        post([], "cash", "sales", -1)
""",
    "tests/integration/test_month_end.py": """\
from ledger.book import balance, post


def test_a_month_of_entries_balances():
    entries = []
    for day in range(1, 31):
        entries = post(entries, "cash", "sales", 100 * day)
    total = sum(100 * day for day in range(1, 31))
    assert balance(entries, "cash") == total
    assert balance(entries, "cash") + balance(entries, "sales") == 0
""",
    "monitoring/alerts.rules.yml": """\
groups:
  - name: ledger
    rules:
      - alert: LedgerImbalanced
        expr: sum(ledger_balance_cents) != 0
        for: 5m
        labels:
          severity: page
        annotations:
          summary: "the books do not balance: {{ $value }} cents"
""",
    # A locust run's statistics as locust 2.32 writes them (see tests/test_slo.py for a
    # run made in the test itself).
    "load/run_stats.csv": (
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
        "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
        "GET,/,3704,0,2,2.0439,0.9236,20.336,474.0,1851.5095,0.0,2,2,2,2,3,3,4,4,19,20,20\n"
        ",Aggregated,3704,0,2,2.0439,0.9236,20.336,474.0,1851.5095,0.0,2,2,2,2,3,3,4,4,19,20,20\n"
    ),
}
ASSAY_TOML = """\
[tests]
command = {command}

[vulnerabilities]
source = "offline"

[slo]
p95_ms = 50
p99_ms = 100
min_throughput_rps = 100
max_error_rate = 0.01
"""


def benchmark(mean: float) -> str:
    """Benchmark results in Assay's generic form, with the statistics pytest-benchmark
    reports."""
    stats = {"name": "test_balance", "mean": mean, "min": mean * 0.97, "stddev": mean * 0.02}
    stats |= {"rounds": 200, "iqr": mean * 0.02, "median": mean}
    return json.dumps({"benchmarks": [stats]})


def environment(root: Path) -> dict[str, str]:
    return {
        "ASSAY_SIGNING_KEY_DIR": str(root.parent / f"{root.name}-keys"),
        "ASSAY_KEY_PASSPHRASE": PASSPHRASE,
    }


def build(root: Path, *, store_url: str | None = None) -> Path:
    """Write the project, import vulnerability data and sign its artifact's provenance."""
    if not ADVISORIES.is_file():
        pytest.skip(f"the shared OSV advisories are not at {ADVISORIES} (CI always has them)")
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["--junitxml=build/junit.xml"]
    config = ASSAY_TOML.format(command=json.dumps(command))
    if store_url:
        config = f'[store]\nurl = "{store_url}"\n\n' + config
    (root / "assay.toml").write_text(config, encoding="utf-8")
    (root / "benchmark.json").write_text(benchmark(0.0020), encoding="utf-8")
    advisories = root.parent / f"{root.name}-advisories"
    advisories.mkdir(exist_ok=True)
    with zipfile.ZipFile(ADVISORIES) as archive:
        (advisories / "PYSEC-2019-217.json").write_bytes(archive.read("PYSEC-2019-217.json"))
    env = environment(root)
    imported = run_assay("vulndb", "import", advisories, "-C", root, env=env)
    assert imported.code == 0, imported.err
    (root / "dist").mkdir(exist_ok=True)
    with tarfile.open(root / "dist" / "ledger-1.0.0.tar.gz", "w:gz") as sdist:
        sdist.add(root / "src", arcname="ledger-1.0.0/src")
    if not (Path(env["ASSAY_SIGNING_KEY_DIR"]) / "default.key").exists():
        made = run_assay("keys", "generate", "-C", root, env=env)
        assert made.code == 0, made.err
    signed = run_assay("provenance", root / "dist" / "ledger-1.0.0.tar.gz", "-C", root, env=env)
    assert signed.code == 0, signed.err
    return root


def certify(root: Path, author: str = AUTHOR) -> dict[str, object]:
    """Certify as the CI author and return the report."""
    done = run_assay("certify", root, "--author", author, env=environment(root))
    assert done.code in (0, 1), done.err
    newest = max((root / ".assay/reports").glob("*/report.json"), key=lambda p: p.stat().st_mtime)
    report: dict[str, object] = json.loads(newest.read_text(encoding="utf-8"))
    return report
