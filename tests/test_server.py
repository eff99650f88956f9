"""The team server around its routes: readiness when the store is down, and the OpenAPI
document it publishes. The routes themselves are tested in test_api.py."""

from __future__ import annotations

import socket
import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from api_support import add_team, serve
from assay.api import routes, routes_audit, routes_governance, routes_handoffs, routes_releases
from assay.api.deps import caller
from assay.api.server import create_app
from assay.settings import load_settings
from assay.store.database import normalise_url
from conftest import POSTGRES_URL, run_assay


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
        assert operation["security"] == [{"HTTPBearer": []}], (path, method)
        if method == "post" and not path.endswith("/verify"):  # verify changes nothing
            assert {"409", "412", "423"} <= set(operation["responses"]), (path, method)


def test_every_api_route_identifies_its_caller() -> None:
    """The OpenAPI document says every /api/v1 operation needs a bearer token: each route
    takes the caller (``deps.caller``), which refuses a request without a valid one."""
    modules = (routes, routes_audit, routes_governance, routes_handoffs, routes_releases)
    found = [route for module in modules for route in module.router.routes]
    assert len(found) >= 40
    for route in found:
        assert isinstance(route, APIRoute)
        calls = [dependency.call for dependency in route.dependant.dependencies]
        assert caller in calls, route.path


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_connections_the_database_drops_cost_no_read_and_no_500(
    tmp_path: Path, store_url: str
) -> None:
    """PostgreSQL restarted, or an administrator ended the server's sessions: a read is
    made again on a new connection; a write on a dead pooled connection answers 503
    (retry), once; nothing answers 500."""
    name = f"assay-drop-{uuid.uuid4().hex[:8]}"
    (tmp_path / "assay.toml").write_text(
        f'[store]\nurl = "{store_url}&application_name={name}"\n', encoding="utf-8"
    )
    team = add_team(tmp_path)
    admin = create_engine(normalise_url(str(POSTGRES_URL)))

    def drop_sessions() -> int:
        with admin.begin() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": name},
            )
            return int(ended.scalar_one())

    try:
        with serve(tmp_path) as url, httpx.Client(base_url=url, timeout=60) as http:
            made = http.post(
                "/api/v1/handoffs",
                json={
                    "title": "Rotate the signing key",
                    "assignee": "agent-b",
                    "project": "billing",
                    "criteria": [{"check": "tests_pass"}],
                },
                headers=team.auth("agent-a"),
            )
            assert made.status_code == 201, made.text
            path = f"/api/v1/handoffs/{made.json()['id']}"
            assert http.get(path, headers=team.auth("agent-b")).status_code == 200
            assert drop_sessions() >= 2  # the held read connection and the token listener
            for _ in range(3):
                read = http.get(path, headers=team.auth("agent-b"))
                assert read.status_code == 200, read.text
            assert drop_sessions() >= 1
            answers = [http.post(f"{path}/accept", headers=team.auth("agent-b"))]
            while answers[-1].status_code == 503 and len(answers) < 3:
                problem = answers[-1].json()
                assert problem["type"].endswith("/StoreError")
                assert "dropped the connection" in problem["detail"]
                assert answers[-1].headers["content-type"] == "application/problem+json"
                answers.append(http.post(f"{path}/accept", headers=team.auth("agent-b")))
            codes = [a.status_code for a in answers]
            assert codes in ([200], [503, 200]), [a.text for a in answers]
            after = http.get(path, headers=team.auth("agent-b")).json()
            assert after["state"] == "accepted" and after["version"] == 2
    finally:
        admin.dispose()


def _sockets(port: int, state: str) -> set[str]:
    """The inodes of the TCP sockets on local ``port`` in ``state`` (01 established, 0A
    listening), from /proc/net/tcp."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            inodes.add(f"socket:[{fields[9]}]")
    return inodes


def _connections_by_process(port: int, pids: list[int]) -> dict[int, int]:
    """How many established TCP connections to ``port`` each process holds (the socket
    inodes matched to each process's descriptors)."""
    inodes = _sockets(port, "01")
    held = {}
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        held[pid] = sum(1 for fd in fds.iterdir() if str(fd.readlink()) in inodes)
    return held


def test_workers_each_take_a_share_of_the_connections(tmp_path: Path) -> None:
    """`assay serve --workers 2`: connections opened at once (as a proxy or a load
    generator opens its keep-alive connections) reach both processes. With one shared
    socket, one process often accepted all of them and the other idled."""
    project = tmp_path / "project"
    project.mkdir()
    with serve(project, None, "--workers", "2") as url:
        port = int(url.rsplit(":", 1)[1])
        parent = next(
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit()
            and f"--port\0{port}".encode() in _cmdline(p)
            and b"assay.cli.main" in _cmdline(p)
        )
        children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        workers = [  # not multiprocessing's resource tracker
            int(p) for p in children if b"spawn_main" in _cmdline(Path(f"/proc/{p}"))
        ]
        assert len(workers) == 2
        deadline = time.monotonic() + 60  # /health answered: one of them listens, at least
        while len(_sockets(port, "0A")) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_sockets(port, "0A")) == 2  # a listening socket for each process
        connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        try:
            for sock in connections:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            for sock in connections:
                assert sock.recv(1000).startswith(b"HTTP/1.1 200")
            held = _connections_by_process(port, workers)
        finally:
            for sock in connections:
                sock.close()
        assert sum(held.values()) == 16
        assert all(n > 0 for n in held.values()), held


def _cmdline(process: Path) -> bytes:
    try:
        return (process / "cmdline").read_bytes()
    except OSError:
        return b""


def test_a_port_in_use_is_refused_by_name(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_assay("serve", "-C", tmp_path, "--port", str(port), "--workers", "2")
    assert done.code == 2
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in done.err
