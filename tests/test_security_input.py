"""Bad input gets a clear answer, never a 500 or a traceback (issue 19, items 8, 9, 11).

The REST API is driven in memory on both store back ends (``store_url``), as test_api.py
does: a NUL character in a path, a query or a JSON string and an integer beyond 64 bits
are refused with 400 on every route; a certificate whose ``valid_until`` names no time
zone fails verification with the reason. The real ``assay`` command answers bad files,
bad store URLs and a read-only store with one ``error:`` and one ``hint:`` line and exit
2 or 3; certify asks the OSV API only when told to.
"""

from __future__ import annotations

import http.server
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_support import Team, add_team, client, patched_environment
from assay.api import routes, routes_audit, routes_governance, routes_handoffs, routes_releases
from assay.api.server import create_app
from assay.settings import load_settings
from assay.signing.dsse import sign_statement, statement
from assay.signing.keys import public_pem
from conftest import run_assay

pytestmark = pytest.mark.anyio

TOO_BIG = "9223372036854775808"  # 2**63: one more than a BIGINT holds
KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def team(tmp_path: Path, store_url: str) -> Team:
    """A project whose store (SQLite or PostgreSQL) has principals and tokens, and whose
    server trusts ``KEY``."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "trusted.pem").write_bytes(public_pem(KEY.public_key()))
    (root / "assay.toml").write_text(
        f'[store]\nurl = "{store_url}"\n\n[signing]\nkey_dir = "{tmp_path / "keys"}"\n'
        'trusted_keys = ["trusted.pem"]\n',
        encoding="utf-8",
    )
    return add_team(root)


def _routes() -> list[tuple[str, str, list[str]]]:
    """Every /api/v1 route: a method, its path, and its path parameters."""
    modules = (routes, routes_audit, routes_governance, routes_handoffs, routes_releases)
    found = [r for m in modules for r in m.router.routes if isinstance(r, APIRoute)]
    assert len(found) >= 40
    return [(sorted(r.methods)[0], "/api/v1" + r.path, list(r.param_convertors)) for r in found]


def _assert_refused(answer: httpx.Response, what: str) -> None:
    assert answer.status_code == 400, (what, answer.status_code, answer.text)
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"] == "https://assay.dev/problems/InvalidInput", (what, body)
    assert body["hint"]


async def test_a_nul_character_is_refused_on_every_route(team: Team) -> None:
    admin = team.auth("admin@x")
    async with client(team, None) as api:
        for method, path, names in _routes():
            plain = path.replace("{", "").replace("}", "")
            with_nul = path
            for name in names:
                with_nul = with_nul.replace("{" + name + "}", "a%00b")
            if names:
                answer = await api.request(method, with_nul, headers=admin)
                _assert_refused(answer, f"{method} {with_nul}")
            answer = await api.request(method, plain, params={"q": "a\x00b"}, headers=admin)
            _assert_refused(answer, f"{method} {plain}?q=NUL")
            if method in ("POST", "PUT", "PATCH"):
                document = {"name": "a\x00b", "reason": "x", "nested": [{"k": "\x00"}]}
                answer = await api.request(method, plain, json=document, headers=admin)
                _assert_refused(answer, f"{method} {plain} JSON")
                key = {"a\x00": 1}
                answer = await api.request(method, plain, json=key, headers=admin)
                _assert_refused(answer, f"{method} {plain} JSON key")


async def test_integers_beyond_64_bits_are_refused(team: Team) -> None:
    admin = team.auth("admin@x")
    async with client(team, None) as api:
        for cursor in (TOO_BIG, "-" + TOO_BIG + "0", "1" + "0" * 40):
            answer = await api.get(
                "/api/v1/audit/entries", params={"cursor": cursor}, headers=admin
            )
            _assert_refused(answer, f"cursor={cursor}")
        _assert_refused(
            await api.get(f"/api/v1/audit/entries/{TOO_BIG}/proof", headers=admin), "proof"
        )
        largest = str(2**63 - 1)
        answer = await api.get("/api/v1/audit/entries", params={"cursor": largest}, headers=admin)
        assert answer.status_code == 200, answer.text
        assert (await api.get(f"/api/v1/audit/entries/{largest}/proof", headers=admin)).is_error
        for path in ("/api/v1/runs", "/api/v1/handoffs"):
            answer = await api.get(path, params={"cursor": TOO_BIG}, headers=admin)
            assert answer.status_code < 500, (path, answer.text)
        for body in (
            f'{{"name": "1.0", "run": {TOO_BIG}}}',
            '{"name": "1.0", "run": NaN}',
            '{"level": 1, "scope": "global", "reason": "x", "n": -Infinity}',
        ):
            for path in ("/api/v1/projects/app/releases", "/api/v1/lockdowns"):
                answer = await api.post(
                    path, content=body, headers=admin | {"content-type": "application/json"}
                )
                _assert_refused(answer, f"{path} {body}")


def _certificate(valid_until: str) -> dict[str, object]:
    predicate = {
        "release": {"project": "app", "name": "1.0"},
        "issued_at": "2025-01-01T00:00:00+00:00",
        "valid_until": valid_until,
        "next_review": "2025-04-01",
    }
    subject = [{"name": "app 1.0", "digest": {"sha256": "0" * 64}}]
    document = statement(subject, "https://assay.dev/readiness-certificate/v1", predicate)
    return sign_statement(document, KEY)


async def test_a_certificate_without_a_time_zone_fails_verification(team: Team) -> None:
    naive = (datetime.now(UTC) + timedelta(days=30)).replace(tzinfo=None).isoformat()
    aware = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    async with client(team, None) as api:
        answer = await api.post(
            "/api/v1/certificates/verify", json=_certificate(naive), headers=team.auth("qa@x")
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["valid"] is False and answer.json()["reason"] == "malformed"
        assert "no time zone" in answer.json()["detail"]
        answer = await api.post(
            "/api/v1/certificates/verify", json=_certificate(aware), headers=team.auth("qa@x")
        )
        assert answer.json()["valid"] is True, answer.text


@pytest.fixture
def api(team: Team) -> Iterator[TestClient]:
    """The app in memory, driven synchronously (for Hypothesis), over the team's store."""
    with patched_environment(team.env):
        app = create_app(load_settings(team.root))
    with TestClient(app, raise_server_exceptions=False) as memory:
        yield memory


_TEXT = st.text(st.characters(codec="utf-8"), max_size=30) | st.sampled_from(
    ["\x00", "a\x00", "%00", TOO_BIG, "-" + TOO_BIG, "1" * 25, "NaN", "../..", ""]
)
_NUMBER = st.integers(min_value=-(2**80), max_value=2**80) | st.sampled_from(
    [2**63, -(2**63) - 1, 2**63 - 1]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=_TEXT, number=_NUMBER, other=_TEXT)
def test_no_input_gets_a_5xx(
    team: Team, api: TestClient, text: str, number: int, other: str
) -> None:
    admin = team.auth("admin@x")
    answers = [
        api.get("/api/v1/runs", params={"project": text, "cursor": other}, headers=admin),
        api.get("/api/v1/runs/" + (quote(text, safe="") or "x"), headers=admin),
        api.get("/api/v1/audit/entries", params={"cursor": number, "actor": text}, headers=admin),
        api.get(f"/api/v1/audit/entries/{number}/proof", headers=admin),
        api.get("/api/v1/handoffs", params={"cursor": text, "limit": number}, headers=admin),
        api.post(
            "/api/v1/projects/app/releases",
            json={"name": text, "run": other, "extra": number},
            headers=admin,
        ),
        api.post(
            "/api/v1/handoffs",
            json={"title": text, "summary": other, "context": {"links": [text], "n": number}},
            headers=admin,
        ),
        api.post("/api/v1/lockdowns", json={"level": number, "reason": text}, headers=admin),
    ]
    for answer in answers:
        assert answer.status_code < 500, (answer.request.url, answer.status_code, answer.text)


# The command line ----------------------------------------------------------------------


def _assert_error(result_err: str, *phrases: str) -> None:
    """One ``error:`` line and one ``hint:`` line after it; no traceback."""
    assert "Traceback" not in result_err, result_err
    lines = [line for line in result_err.splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert len(errors) == 1, result_err
    assert lines[errors[0] + 1].startswith("hint: "), result_err
    for phrase in phrases:
        assert phrase in result_err, (phrase, result_err)


def _project(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "requirements.txt").write_text("attrs==24.2.0\n", encoding="utf-8")
    return root


def test_a_binary_requirements_file_is_an_input_error(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "requirements.txt").write_bytes(b"attrs==24.2.0\n\x80\x81\xfe\x00binary\n")
    result = run_assay("sbom", project)
    assert result.code == 2, result.err
    _assert_error(result.err, "requirements.txt", "not UTF-8")


def test_a_file_name_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    folder = tmp_path / os.fsdecode(b"app-\xff")
    _project(folder)
    for target in (folder, folder / "requirements.txt"):
        result = run_assay("sbom", target)
        assert result.code == 2, result.err
        _assert_error(result.err, "not UTF-8", "rename")


def test_a_store_url_whose_folder_is_missing_is_refused(tmp_path: Path) -> None:
    project = _project(tmp_path / "app")
    missing = tmp_path / "nonexistent" / "dir"
    result = run_assay("certify", project, "--store", f"sqlite:///{missing / 'x.db'}")
    assert result.code == 2, result.err
    _assert_error(result.err, f"no folder {missing}", "typo")
    assert not (tmp_path / "nonexistent").exists()
    assert "done " not in result.err  # refused before the steps ran
    made = run_assay("certify", project)  # the default store: its folder is Assay's own
    assert made.code in (0, 1), made.err
    assert (project / ".assay" / "assay.db").is_file()


@pytest.mark.parametrize("url", ["bogus://", "mysql://user@localhost/assay", "mysql+pymysql://x"])
def test_an_unsupported_store_url_names_the_supported_schemes(tmp_path: Path, url: str) -> None:
    project = _project(tmp_path / "app")
    result = run_assay("runs", "-C", project, "--store", url)
    assert result.code == 2, result.err
    _assert_error(result.err, "sqlite", "postgresql")
    assert "sqlalchemy" not in result.err.lower() and "plugin" not in result.err


def test_a_read_only_store_is_found_before_the_steps_run(tmp_path: Path) -> None:
    project = _project(tmp_path / "app")
    (tmp_path / "store").mkdir()
    database = tmp_path / "store" / "assay.db"
    first = run_assay("certify", project, "--store", f"sqlite:///{database}")
    assert first.code in (0, 1), first.err
    read_only = f"sqlite:///file:{database}?mode=ro&uri=true"
    result = run_assay("certify", project, "--store", read_only)
    assert result.code == 3, result.err
    _assert_error(result.err, "read-only", "writable")
    assert "database is running" not in result.err  # not a database server's problem
    assert "done " not in result.err  # no step ran


def test_verify_refuses_a_certificate_without_a_time_zone(tmp_path: Path) -> None:
    (tmp_path / "trusted.pem").write_bytes(public_pem(KEY.public_key()))
    naive = (datetime.now(UTC) + timedelta(days=30)).replace(tzinfo=None).isoformat()
    document = tmp_path / "certificate.intoto.json"
    document.write_text(json.dumps(_certificate(naive)), encoding="utf-8")
    result = run_assay("verify", document, "--key", tmp_path / "trusted.pem")
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    assert "verification failed" in result.err and "no time zone" in result.err


class _Osv(http.server.BaseHTTPRequestHandler):
    """An OSV API that records what it is asked and knows no vulnerability."""

    asked: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        queries = json.loads(self.rfile.read(length) or b"{}").get("queries", [])
        type(self).asked.append(self.path)
        body = json.dumps({"results": [{} for _ in queries]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def osv() -> Iterator[str]:
    _Osv.asked = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Osv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _vulnerabilities(project: Path) -> dict[str, object]:
    reports = sorted((project / ".assay" / "reports").glob("*/report.json"))
    newest = max(reports, key=lambda p: p.stat().st_mtime)
    report = json.loads(newest.read_text(encoding="utf-8"))
    found = [e for e in report["evidence"] if e["kind"] == "vulnerabilities"]
    summary: dict[str, object] = found[0]["summary"]
    return summary


def test_certify_asks_the_osv_api_only_when_told_to(tmp_path: Path, osv: str) -> None:
    project = _project(tmp_path / "app")
    env = {"ASSAY_VULNERABILITIES_OSV_URL": osv}
    quiet = run_assay("certify", project, env=env)
    assert quiet.code == 1, quiet.err
    assert _Osv.asked == []
    summary = _vulnerabilities(project)
    assert summary["status"] == "unknown"
    assert summary["hint"] == "import advisories with assay vulndb import, or pass --online"
    assert "pass --online" in quiet.out + quiet.err

    assert run_assay("certify", project, "--offline", env=env).code == 1
    assert _Osv.asked == []

    asked = run_assay("certify", project, "--online", env=env)
    assert asked.code in (0, 1), asked.err
    assert "/v1/querybatch" in _Osv.asked
    assert _vulnerabilities(project)["status"] == "complete"

    _Osv.asked.clear()
    online = run_assay("certify", project, env=env | {"ASSAY_VULNERABILITIES_SOURCE": "online"})
    assert online.code in (0, 1), online.err
    assert _Osv.asked, "[vulnerabilities] source = online lets certify ask"
    _Osv.asked.clear()
    told = run_assay(
        "certify", project, "--offline", env=env | {"ASSAY_VULNERABILITIES_SOURCE": "online"}
    )
    assert told.code == 1 and _Osv.asked == []
