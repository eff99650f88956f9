"""The team server around its routes: readiness when the store is down, and the OpenAPI
document it publishes. The routes themselves are tested in test_api.py."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from assay.api.server import create_app
from assay.settings import load_settings


def _client(project: Path) -> TestClient:
    """The app in memory (Starlette's test client drives it without a socket)."""
    return TestClient(create_app(load_settings(project)))


def test_ready_says_why_when_the_store_is_down(tmp_path: Path) -> None:
    (tmp_path / "assay.toml").write_text(
        '[store]\nurl = "postgresql://assay@127.0.0.1:1/nowhere"\n', encoding="utf-8"
    )
    with _client(tmp_path) as client:
        assert client.get("/health").json() == {"status": "healthy", "service": "assay"}
        answer = client.get("/ready")
        assert answer.status_code == 503 and answer.json()["status"] == "not ready"
        assert "127.0.0.1" in answer.json()["reason"] or "connect" in answer.json()["reason"]
        assert "assay_store_up 0.0" in client.get("/metrics").text
        down = client.get("/api/v1/runs", headers={"Authorization": "Bearer assay_x"})
        assert down.status_code == 503
        assert down.json()["type"] == "https://assay.dev/problems/StoreError"


def test_the_openapi_document_lists_every_route_and_its_problems(tmp_path: Path) -> None:
    with _client(tmp_path) as client:
        document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    operations = [
        (path, method, operation)
        for path, methods in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in methods.items()
    ]
    assert len(operations) >= 40
    for path, method, operation in operations:
        assert {"401", "403", "422", "429"} <= set(operation["responses"]), (path, method)
        if method == "post" and not path.endswith("/verify"):  # verify changes nothing
            assert {"409", "412", "423"} <= set(operation["responses"]), (path, method)
