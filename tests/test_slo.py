"""Load-test results from real wrk and locust runs against a local server, judged by [slo]."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assay.collectors.loadtests import read_k6, read_locust_summary, read_wrk
from assay.core.slo import LoadSummary, ObjectiveStatus, SloTargets, judge_slo, slo_status
from assay.errors import InventoryError
from conftest import TOOLS, build_venv, run_assay
from k6_samples import K6_EXPORT, K6_HANDLE_SUMMARY

WRK = str(TOOLS / "wrk") if (TOOLS / "wrk").is_file() else shutil.which("wrk")
LOCUST_RUN = ["-f", "locustfile.py", "--headless", "-u", "4", "-r", "4", "-t", "2s"]
LOCUST_RUN += ["--csv", "run", "--only-summary"]
LOCUSTFILE = """\
from locust import HttpUser, constant, task


class Visitor(HttpUser):
    wait_time = constant(0)

    @task
    def page(self):
        self.client.get("/{path}")
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving one page."""
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_text("<h1>quotes</h1>\n" * 20, encoding="utf-8")

    def handler(*args: object) -> _Quiet:
        return _Quiet(*args, directory=str(root))  # type: ignore[arg-type]

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # type: ignore[arg-type]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


needs_wrk = pytest.mark.skipif(
    WRK is None,
    reason="wrk not found: `make test` fetches it from Debian's wrk package "
    "(scripts/debian-tools.sh); apt-get was not available here",
)


def _wrk(server: str, path: str, out: Path) -> Path:
    done = subprocess.run(
        [str(WRK), "--latency", "-t1", "-c4", "-d1s", f"{server}/{path}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    out.write_text(done.stdout, encoding="utf-8")
    return out


@needs_wrk
def test_real_wrk_output_is_read_and_judged(server: str, tmp_path: Path) -> None:
    project = tmp_path / "service"
    (project / "load").mkdir(parents=True)
    summary = read_wrk(_wrk(server, "", project / "load" / "wrk.txt"))
    assert summary.requests and summary.requests > 100 and summary.failures == 0
    assert summary.throughput_rps and summary.p50_ms and summary.p99_ms
    assert summary.p95_ms is None  # wrk prints 50/75/90/99%: p95 is not measured

    (project / "assay.toml").write_text(
        "[slo]\np99_ms = 5000\nmin_throughput_rps = 10\nmax_error_rate = 0.01\n", encoding="utf-8"
    )
    met = run_assay("check", "slo", project)
    assert met.code == 0, met.out + met.err
    assert "met" in met.out and "load/wrk.txt" in met.out

    (project / "assay.toml").write_text("[slo]\np95_ms = 5000\np99_ms = 5000\n", encoding="utf-8")
    unmeasured = run_assay("check", "slo", project, "--json")
    assert unmeasured.code == 1
    document = json.loads(unmeasured.out)
    assert document["status"] == "unmeasured"
    assert [o["status"] for o in document["objectives"]] == ["unmeasured", "met"]


@needs_wrk
def test_failing_requests_miss_the_error_rate_objective(server: str, tmp_path: Path) -> None:
    project = tmp_path / "service"
    project.mkdir()
    _wrk(server, "missing-page", project / "wrk.txt")  # every response is a 404
    (project / "assay.toml").write_text("[slo]\nmax_error_rate = 0.01\n", encoding="utf-8")
    cli = run_assay("check", "slo", project, "--json")
    assert cli.code == 1
    document = json.loads(cli.out)
    (objective,) = document["objectives"]
    assert objective["status"] == "missed" and objective["measured"] == 1.0


@pytest.mark.network
def test_a_real_locust_run_is_stored_as_load_test_evidence(server: str, tmp_path: Path) -> None:
    venv = build_venv(tmp_path / "env", ["locust==2.32.4"])
    project = tmp_path / "service"
    project.mkdir()
    (project / "locustfile.py").write_text(LOCUSTFILE.format(path=""), encoding="utf-8")
    (project / "requirements.txt").write_text("locust==2.32.4\n", encoding="utf-8")
    subprocess.run(
        [str(venv / "bin" / "locust"), *LOCUST_RUN, "--host", server],
        cwd=project,
        capture_output=True,
        check=True,
        timeout=120,
    )
    summary = read_locust_summary(project / "run_stats.csv")
    assert summary.tool == "locust" and summary.requests and summary.requests > 50
    assert summary.p95_ms is not None and summary.p99_ms is not None
    assert summary.error_rate == 0.0

    (project / "assay.toml").write_text(
        "[slo]\np95_ms = 2000\np99_ms = 4000\nmin_throughput_rps = 1000000\n", encoding="utf-8"
    )
    result = run_assay("certify", project)
    assert result.code == 1, result.err
    report = json.loads(next((project / ".assay/reports").glob("*/report.json")).read_text())
    (item,) = [e for e in report["evidence"] if e["kind"] == "load-tests"]
    assert item["summary"]["status"] == "missed" and item["summary"]["tools"] == ["locust"]
    notes = next(s for s in report["steps"] if s["name"] == "load")["notes"]
    assert "read locust results from run_stats.csv" in notes
    assert any(n.startswith("min_throughput_rps:") and "(missed)" in n for n in notes)


def test_k6_summaries_in_both_documented_shapes(tmp_path: Path) -> None:
    export = tmp_path / "k6-summary.json"
    export.write_text(json.dumps(K6_EXPORT), encoding="utf-8")
    handled = tmp_path / "k6-handle-summary.json"
    handled.write_text(json.dumps(K6_HANDLE_SUMMARY), encoding="utf-8")
    first, second = read_k6(export), read_k6(handled)
    assert (first.requests, first.p95_ms, first.p99_ms, first.error_rate) == (180, 215.95, None, 0)
    assert first.duration_s == 30.021
    assert (second.requests, second.p99_ms, second.error_rate) == (12000, 410.0, 0.025)
    assert second.failures == 300
    results = judge_slo([first, second], SloTargets(p95_ms=200, max_error_rate=0.01))
    assert [(r.objective, r.measured, r.status.value) for r in results] == [
        ("p95_ms", 215.95, "missed"),
        ("max_error_rate", 0.025, "missed"),
    ]
    assert results[0].source == str(export) and results[1].source == str(handled)


def test_objectives_are_judged_on_the_worst_result_and_never_pass_unmeasured() -> None:
    fast = LoadSummary("a", "k6", 100, 0, 50.0, 10.0, 20.0, 30.0)
    slow = LoadSummary("b", "k6", 100, 2, 20.0, 40.0, 90.0, 200.0)
    results = judge_slo([fast, slow], SloTargets(p95_ms=100, min_throughput_rps=25))
    assert [(r.measured, r.status, r.source) for r in results] == [
        (90.0, ObjectiveStatus.MET, "b"),
        (20.0, ObjectiveStatus.MISSED, "b"),
    ]
    assert slo_status(judge_slo([], SloTargets(p95_ms=100))) is ObjectiveStatus.UNMEASURED
    assert slo_status(()) is ObjectiveStatus.UNMEASURED


def test_slo_mistakes_are_explained(tmp_path: Path) -> None:
    empty = run_assay("check", "slo", tmp_path)
    assert empty.code == 2 and "no load-test results" in empty.err
    (tmp_path / "wrk.txt").write_text("Running 1s test\n", encoding="utf-8")
    broken = run_assay("check", "slo", tmp_path)
    assert broken.code == 2 and "not wrk output" in broken.err
    not_k6 = tmp_path / "elsewhere" / "k6.json"
    not_k6.parent.mkdir()
    not_k6.write_text('{"metrics": {}}', encoding="utf-8")
    with pytest.raises(InventoryError, match="not a k6 summary"):
        read_k6(not_k6)
    not_k6.unlink()
    (tmp_path / "wrk.txt").write_text(
        "  10 requests in 1.00s, 1KB read\nRequests/sec:     10.00\n", encoding="utf-8"
    )
    undeclared = run_assay("check", "slo", tmp_path)
    assert undeclared.code == 2 and "no service-level objectives" in undeclared.err
    (tmp_path / "assay.toml").write_text("[slo]\nmax_error_rate = 5\n", encoding="utf-8")
    invalid = run_assay("check", "slo", tmp_path)
    assert invalid.code == 2 and "slo.max_error_rate" in invalid.err
