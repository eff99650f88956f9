"""Helpers for the team server's tests: a real `assay serve` process on 127.0.0.1, clients
for it and for the app in memory (httpx's ASGITransport), principals with tokens, and
evidence files as CI writes them."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from assay.api.server import create_app
from assay.mcp.server import build_server
from assay.services.access import add_principal, issue_token
from assay.settings import load_settings
from conftest import ctx_of

SIGNERS = {
    "developer": "dev@x",
    "tech_lead": "lead@x",
    "qa": "qa@x",
    "security": "sec@x",
    "product_owner": "po@x",
    "architect": "arch@x",
}
"""The signer of each default sign-off role."""

COVERAGE_GATE = """\
[[gates.custom]]
id = "COV-001"
title = "tests pass with coverage"
all_of = [
  {check = "tests-pass"},
  {check = "metric", evidence = "coverage", field = "line_rate", min = 0.8},
]
"""
"""assay.toml for a custom gate that uploaded tests and coverage can pass."""

PEOPLE = {
    "admin@x": ["admin"],
    "dev@x": ["developer"],
    "lead@x": ["tech_lead"],
    "qa@x": ["qa"],
    "sec@x": ["security"],
    "po@x": ["product_owner"],
    "arch@x": ["architect"],
    "auditor@x": ["auditor"],
}
AGENTS = {"agent-a": ["agent"], "agent-b": ["agent"]}


@dataclass
class Team:
    """A project folder whose store has principals, and a token for each of them."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def add_team(root: Path, env: Mapping[str, str] | None = None) -> Team:
    """Every principal of PEOPLE and AGENTS, and a token for each (all scopes, 30 days)."""
    with patched_environment(env or {}):
        settings = load_settings(root)
        now = datetime.now(UTC)
        team = Team(root, dict(env or {}))
        for name, roles in {**PEOPLE, **AGENTS}.items():
            kind = "agent" if name in AGENTS else "person"
            add_principal(ctx_of(settings), "admin@x", name, kind, roles, now)
        for name in {**PEOPLE, **AGENTS}:
            team.tokens[name] = issue_token(ctx_of(settings), name, name, ["*"], 30, now).token
    return team


@contextlib.contextmanager
def patched_environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(root: Path, env: Mapping[str, str] | None = None, *extra: str) -> Iterator[str]:
    """A real `assay serve` for the project on a free port of 127.0.0.1; yields its URL.
    Its JSON log lines go to ``serve-PORT.log`` beside the project."""
    port = free_port()
    log_path = root.parent / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assay.cli.main",
                "serve",
                "-C",
                str(root),
                "--port",
                str(port),
                *extra,
            ],
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            process.kill()
            pytest.fail(f"assay serve did not start: {log_path.read_text(errors='replace')}")
        try:
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)


@contextlib.asynccontextmanager
async def client(team: Team, url: str | None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the live server at ``url``, or of the app in memory when None."""
    if url:
        async with httpx.AsyncClient(base_url=url, timeout=60) as live:
            yield live
        return
    with patched_environment(team.env):
        app = create_app(load_settings(team.root))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://assay.test") as memory:
            yield memory


def junit(passed: int, failed: int = 0) -> bytes:
    """A JUnit XML report as pytest writes it."""
    cases = [
        f'<testcase classname="tests.test_ledger" name="test_ok_{i}" time="0.01"/>'
        for i in range(passed)
    ]
    cases += [
        f'<testcase classname="tests.test_ledger" name="test_bad_{i}" time="0.01">'
        f'<failure message="assert 1 == 2">assert 1 == 2</failure></testcase>'
        for i in range(failed)
    ]
    total = passed + failed
    return (
        '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
        f'errors="0" failures="{failed}" skipped="0" tests="{total}" time="0.5">'
        + "".join(cases)
        + "</testsuite></testsuites>"
    ).encode()


def cobertura(covered: int, valid: int) -> bytes:
    """A Cobertura XML report as coverage.py writes it."""
    lines = "".join(
        f'<line number="{n + 1}" hits="{1 if n < covered else 0}"/>' for n in range(valid)
    )
    rate = covered / valid
    return (
        '<?xml version="1.0" ?><coverage version="7.6.1" timestamp="1" '
        f'lines-valid="{valid}" lines-covered="{covered}" line-rate="{rate:.4f}" '
        'branches-covered="0" branches-valid="0" branch-rate="0" complexity="0">'
        "<!-- Generated by coverage.py: https://coverage.readthedocs.io/en/7.6.1 -->"
        '<packages><package name="ledger"><classes><class name="core.py" '
        f'filename="src/ledger/core.py" line-rate="{rate:.4f}"><lines>{lines}</lines>'
        "</class></classes></package></packages></coverage>"
    ).encode()


def sbom(components: int = 2) -> bytes:
    return json.dumps(
        {
            "bomFormat": "CycloneDX",
            "specVersion": "1.6",
            "version": 1,
            "components": [
                {
                    "type": "library",
                    "name": f"lib{i}",
                    "version": "1.0",
                    "purl": f"pkg:pypi/lib{i}@1.0",
                }
                for i in range(components)
            ],
        }
    ).encode()


def evidence_files(
    passed: int, failed: int, covered: int, valid: int
) -> list[tuple[str, tuple[str, bytes, str]]]:
    """Multipart fields of an upload: tests, coverage and an SBOM."""
    return [
        ("junit", ("junit.xml", junit(passed, failed), "application/xml")),
        ("coverage", ("coverage.xml", cobertura(covered, valid), "application/xml")),
        ("sbom", ("bom.cdx.json", sbom(), "application/json")),
    ]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def live(team: Team) -> Iterator[str]:
    """A real `assay serve` over the requesting module's ``team`` store."""
    with serve(team.root, team.env) as url:
        yield url


@pytest.fixture(params=["memory", "live"])
def url(request: pytest.FixtureRequest) -> str | None:
    """None for the app in memory, or the URL of the live server: each test runs twice."""
    if request.param == "memory":
        return None
    live_url: str = request.getfixturevalue("live")
    return live_url


@contextlib.asynccontextmanager
async def mcp_agent(team: Team, who: str, url: str | None) -> AsyncIterator[Client]:
    """An MCP client acting as ``who``: in memory (the token in the server's context, as
    over stdio) or over Streamable HTTP at ``url``/mcp (the token as a bearer header)."""
    if url is None:
        with patched_environment(team.env):
            settings = load_settings(team.root)
        async with Client(build_server(ctx_of(settings, token=team.tokens[who]))) as memory:
            yield memory
        return
    async with (
        httpx2.AsyncClient(headers=team.auth(who), timeout=120) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http)) as remote,
    ):
        yield remote
