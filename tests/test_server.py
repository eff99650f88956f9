"""The team server's first routes, in memory and as a real `assay serve` on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from assay.api.server import create_app
from assay.settings import load_settings
from conftest import run_assay


@pytest.fixture
def certified(example_project: Path) -> Path:
    assert run_assay("certify", example_project).code == 1
    return example_project


def _client(project: Path) -> TestClient:
    """The app in memory (Starlette's test client drives it without a socket)."""
    return TestClient(create_app(load_settings(project)))


def test_health_ready_and_metrics(certified: Path) -> None:
    with _client(certified) as client:
        health = client.get("/health")
        assert health.json() == {"status": "healthy", "service": "assay"}
        assert len(health.headers["x-request-id"]) == 32
        assert client.get("/ready").json()["status"] == "ready"
        metrics = client.get("/metrics").text
        assert 'assay_http_requests_total{method="GET",route="/health",status="200"} 1.0' in metrics


def test_runs_and_evidence_and_problem_documents(certified: Path) -> None:
    with _client(certified) as client:
        (run,) = client.get("/api/v1/runs").json()
        kinds = {e["kind"]: e for e in run["evidence"]}
        sbom = client.get(f"/api/v1/evidence/{kinds['sbom.cyclonedx']['sha256'][:12]}")
        assert sbom.status_code == 200 and sbom.json()["bomFormat"] == "CycloneDX"
        assert sbom.headers["etag"] == f'"{kinds["sbom.cyclonedx"]["sha256"]}"'
        missing = client.get("/api/v1/evidence/ffffffffffff", headers={"X-Request-Id": "r-1"})
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        body = missing.json()
        assert body["type"] == "https://assay.dev/problems/NotFoundError"
        assert body["request_id"] == "r-1" and missing.headers["x-request-id"] == "r-1"
        invalid = client.get("/api/v1/runs", params={"limit": 0})
        assert invalid.status_code == 422 and invalid.json()["errors"][0]["field"] == "query.limit"


def test_ready_says_why_when_there_is_no_store(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        answer = client.get("/ready")
        assert answer.status_code == 503 and "no Assay store" in answer.json()["reason"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def served(certified: Path) -> Iterator[str]:
    port = _free_port()
    log_path = certified.parent / "serve.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assay.cli.main",
            "serve",
            "-C",
            str(certified),
            "--port",
            str(port),
        ],
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        log.close()
        pytest.fail(f"assay serve did not start: {log_path.read_text(errors='replace')}")
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


def test_a_real_assay_serve_process_answers(served: str) -> None:
    assert httpx.get(f"{served}/ready").json()["status"] == "ready"
    runs = httpx.get(f"{served}/api/v1/runs").json()
    assert len(runs) == 1 and runs[0]["project"] == "shipping-quotes"
    document = httpx.get(f"{served}/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1") and "/api/v1/runs" in document["paths"]
