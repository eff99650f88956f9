"""Issue 19, finding 10 (low): lockdown targets are checked before they are shown on
/metrics; error bodies name no server path; If-Match compares strongly; URL credentials
with punctuation in the password are found; the store is private to its owner; a NUL
character is refused on both back ends, whatever the front end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from api_support import Team, add_team, client, evidence_files
from assay.api.metrics import StoreCollector
from assay.collectors.secrets import scan_tree
from assay.core.access import Scope
from assay.errors import NotFoundError, UsageError
from assay.services.access import add_principal, list_principals
from assay.services.lockdown import list_incidents, start_lockdown
from assay.settings import load_settings
from assay.store.locker import EvidenceLocker
from conftest import ctx_of

pytestmark = pytest.mark.anyio

NOW = datetime.now(UTC)


@pytest.fixture
def team(tmp_path: Path, store_url: str) -> Team:
    root = tmp_path / "billing"
    root.mkdir()
    (tmp_path / "store").mkdir(exist_ok=True)
    (root / "assay.toml").write_text(
        f'[store]\nurl = "{store_url}"\n\n[signoff]\nroles = {{qa = 1}}\n', encoding="utf-8"
    )
    return add_team(root)


@pytest.fixture
async def api(team: Team) -> AsyncIterator[httpx.AsyncClient]:
    async with client(team, None) as memory:
        yield memory


async def _upload(api: httpx.AsyncClient, team: Team, **data: str) -> httpx.Response:
    files = evidence_files(passed=3, failed=0, covered=90, valid=100)
    return await api.post(
        "/api/v1/projects/billing/runs", files=files, data=data, headers=team.auth("agent-b")
    )


async def test_lockdown_targets_are_known_projects_before_metrics_show_them(
    team: Team, api: httpx.AsyncClient
) -> None:
    assert (await _upload(api, team)).status_code == 201
    settings = load_settings(team.root)

    def lock(scope: Scope, target: str) -> None:
        start_lockdown(
            ctx_of(settings), "sec@x", level=1, scope=scope, target=target, reason="drill", now=NOW
        )

    with pytest.raises(UsageError, match="holds characters"):
        lock(Scope.PROJECT, 'billing"} 1\nassay_fake{a="')
    with pytest.raises(UsageError, match="holds characters"):
        lock(Scope.PROJECT, "x'; DROP TABLE lockdowns; --")
    with pytest.raises(NotFoundError, match="no project 'ghost'") as unknown:
        lock(Scope.PROJECT, "ghost")
    assert unknown.value.hint == "projects: billing"
    with pytest.raises(UsageError, match="is not PROJECT@RELEASE"):
        lock(Scope.RELEASE, "billing")
    lock(Scope.RELEASE, "billing@2.0")
    registry = CollectorRegistry()
    registry.register(StoreCollector(ctx_of(settings)))
    exposition = generate_latest(registry).decode()
    assert 'assay_lockdowns_active{level="1",scope="release",target="billing@2.0"} 1.0' in (
        exposition
    )
    assert "ghost" not in exposition and "DROP" not in exposition


async def test_error_bodies_name_no_server_path(
    team: Team, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    made = await _upload(api, team)
    assert made.status_code == 201, made.text
    sha256 = made.json()["evidence"][0]["sha256"]
    settings = load_settings(team.root)
    EvidenceLocker(settings.evidence_dir).path(sha256).unlink()
    missing = await api.get(f"/api/v1/evidence/{sha256}", headers=team.auth("qa@x"))
    assert missing.status_code == 404
    body = missing.json()
    assert "is missing from <store>/evidence" in body["detail"], body
    assert str(tmp_path) not in missing.text and "/tmp/" not in missing.text


async def test_if_match_takes_only_a_strong_entity_tag(team: Team, api: httpx.AsyncClient) -> None:
    assert (await _upload(api, team)).status_code == 201
    base = "/api/v1/projects/billing/releases"
    made = await api.post(base, json={"name": "2.0"}, headers=team.auth("lead@x"))
    assert made.status_code == 201, made.text
    etag = (await api.get(f"{base}/2.0", headers=team.auth("qa@x"))).headers["ETag"]
    sign = {"role": "qa", "decision": "approve"}
    for stale in (f"W/{etag}", f'{etag}, "other"'):
        weak = await api.post(
            f"{base}/2.0/signoffs", json=sign, headers={**team.auth("qa@x"), "If-Match": stale}
        )
        assert weak.status_code == 412, weak.text
    strong = await api.post(
        f"{base}/2.0/signoffs", json=sign, headers={**team.auth("qa@x"), "If-Match": etag}
    )
    assert strong.status_code == 201, strong.text


def test_a_nul_character_is_refused_and_nothing_is_stored(team: Team) -> None:
    """The API refuses NUL at its edge (tests/test_security_input.py); the store refuses
    it for every other front end too, on SQLite as on PostgreSQL."""
    settings = load_settings(team.root)
    before = [p.name for p in list_principals(ctx_of(settings))]
    with pytest.raises(UsageError, match="NUL character"):
        add_principal(ctx_of(settings), "admin@x", "mallory\x00@x", "person", ["qa"], NOW)
    with pytest.raises(UsageError, match="NUL character"):
        start_lockdown(
            ctx_of(settings),
            "sec@x",
            level=1,
            scope=Scope.GLOBAL,
            target=None,
            reason="a\x00",
            now=NOW,
        )
    assert [p.name for p in list_principals(ctx_of(settings))] == before
    assert list_incidents(ctx_of(settings)) == []  # the refused lockdown's incident too


def test_url_credentials_with_punctuation_in_the_password_are_found(tmp_path: Path) -> None:
    leaked = [
        "DATABASE_URL=postgresql://svc:Tr0ub4dor&3@10.0.0.5/app",
        "BROKER = 'amqp://worker:S3cr#t!pw@mq.internal:5672/'",
        'REMOTE = "https://deploy:p@ssw0rd!@git.example.com/repo.git"',
        "CACHE_URL=redis://:Pa$$w0rd-9?x@cache:6379/0",
        "DB=mysql://root:Xk9!vQ2$mZ(7)@db/app",
    ]
    shown = [
        "DATABASE_URL=postgresql://user:password@localhost/app",
        "password = request.form['password']",  # code, as in flask's tutorial
        "secret_key = ConfigAttribute[str | bytes | None]('SECRET_KEY')",
        'url = f"https://{user}:{password}@{host}/"',
        "PROXY=http://user:${PROXY_PASSWORD}@proxy:8080",
        "see https://example.com/a@b for the format",
    ]
    (tmp_path / "settings.env").write_text("\n".join(leaked + shown) + "\n", encoding="utf-8")
    found = scan_tree(tmp_path, b"a key for the test")
    assert [(f.line, f.rule) for f in found] == [
        (n, "Basic Auth Credentials") for n in range(1, len(leaked) + 1)
    ]
    assert all("Tr0ub4dor" not in f.redacted for f in found)


def test_the_store_is_private_to_its_owner(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    settings = load_settings(project)
    add_principal(ctx_of(settings), "root@x", "root@x", "person", ["admin"], NOW)
    state = project / ".assay"
    assert state.stat().st_mode & 0o777 == 0o700
    assert (state / "assay.db").stat().st_mode & 0o777 == 0o600
