"""Two `assay serve` processes on one database, requests alternating between them:
concurrent sign-offs and hand-off transitions sent with If-Match lose no update, and a
token revoked elsewhere is refused by both at once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api_support import SIGNERS, Team, add_team, evidence_files, serve
from assay.services.access import list_tokens, revoke_token, suspend_principal
from assay.settings import load_settings
from conftest import ctx_of


@pytest.fixture
def cluster(tmp_path: Path, store_url: str) -> Iterator[tuple[Team, list[str]]]:
    root = tmp_path / "billing"
    root.mkdir()
    (root / "assay.toml").write_text(f'[store]\nurl = "{store_url}"\n', encoding="utf-8")
    team = add_team(root)
    with serve(root) as first, serve(root) as second:
        yield team, [first, second]


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_concurrent_sign_offs_through_two_servers_lose_nothing(
    cluster: tuple[Team, list[str]],
) -> None:
    team, servers = cluster
    upload = httpx.post(
        f"{servers[0]}/api/v1/projects/billing/runs",
        files=evidence_files(passed=5, failed=0, covered=9, valid=10),
        headers=team.auth("agent-a"),
        timeout=60,
    )
    assert upload.status_code == 201, upload.text
    made = httpx.post(
        f"{servers[1]}/api/v1/projects/billing/releases",
        json={"name": "3.1.0"},
        headers=team.auth("lead@x"),
        timeout=60,
    )
    assert made.status_code == 201, made.text
    path = "/api/v1/projects/billing/releases/3.1.0"
    start = threading.Barrier(len(SIGNERS))
    outcomes: Counter[int] = Counter()
    lock = threading.Lock()

    def sign(index: int, role: str, signer: str) -> None:
        start.wait()
        with httpx.Client(timeout=60) as http:
            for attempt in range(50):
                reader = servers[(index + attempt) % 2]
                writer = servers[(index + attempt + 1) % 2]
                etag = http.get(f"{reader}{path}", headers=team.auth(signer)).headers["etag"]
                answer = http.post(
                    f"{writer}{path}/signoffs",
                    json={"role": role, "decision": "approve"},
                    headers=team.auth(signer) | {"If-Match": etag},
                )
                with lock:
                    outcomes[answer.status_code] += 1
                if answer.status_code == 201:
                    return
                assert answer.status_code == 412, answer.text

    threads = [
        threading.Thread(target=sign, args=(i, role, signer))
        for i, (role, signer) in enumerate(SIGNERS.items())
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes[201] == len(SIGNERS), outcomes
    assert outcomes[412] > 0, f"the signers never raced: {outcomes}"
    status = httpx.get(f"{servers[0]}{path}", headers=team.auth("qa@x")).json()
    assert sorted(s["role"] for s in status["signoffs"]) == sorted(SIGNERS)
    assert all(r["satisfied"] for r in status["roles"])
    trail = httpx.get(
        f"{servers[1]}/api/v1/audit/entries",
        params={"action": "signoff.recorded"},
        headers=team.auth("auditor@x"),
    ).json()
    assert len(trail["items"]) == len(SIGNERS)

    # Two reviewers act on the same submitted hand-off at once, one on each server: one
    # decision wins, the other is told the hand-off changed.
    offered = httpx.post(
        f"{servers[0]}/api/v1/handoffs",
        json={
            "title": "Check invoices",
            "assignee": "agent-b",
            "project": "billing",
            "criteria": [{"check": "tests_pass"}],
            "reviewers": ["lead@x", "qa@x"],
        },
        headers=team.auth("agent-a"),
    ).json()
    base = f"/api/v1/handoffs/{offered['id']}"
    etag = '"1"'
    for action, body in (
        ("accept", None),
        ("start", None),
        ("submit", {"run": upload.json()["run_id"]}),
    ):
        moved = httpx.post(
            f"{servers[1]}{base}/{action}",
            json=body,
            headers=team.auth("agent-b") | {"If-Match": etag},
        )
        assert moved.status_code == 200, moved.text
        etag = moved.headers["etag"]
    decisions = {"lead@x": "approve", "qa@x": "request_changes"}
    answers: dict[str, int] = {}
    together = threading.Barrier(2)

    def review(index: int, reviewer: str) -> None:
        together.wait()
        answer = httpx.post(
            f"{servers[index]}{base}/review",
            json={"decision": decisions[reviewer]},
            headers=team.auth(reviewer) | {"If-Match": etag},
            timeout=60,
        )
        answers[reviewer] = answer.status_code

    pair = [threading.Thread(target=review, args=(i, r)) for i, r in enumerate(decisions)]
    for thread in pair:
        thread.start()
    for thread in pair:
        thread.join(timeout=60)
    assert sorted(answers.values()) == [200, 412], answers
    winner = next(r for r, code in answers.items() if code == 200)
    final = httpx.get(f"{servers[0]}{base}", headers=team.auth("qa@x")).json()
    assert final["state"] == ("approved" if winner == "lead@x" else "changes_requested")
    assert final["version"] == 5


def _refused_within(url: str, headers: dict[str, str], seconds: float) -> tuple[int, float]:
    """How many answers ``url`` gave ``headers`` before a 401, and after how many seconds
    (polled); fails after ``seconds``."""
    began, accepted = time.monotonic(), 0
    with httpx.Client(timeout=10) as http:
        while time.monotonic() - began < seconds:
            answer = http.get(url, headers=headers)
            if answer.status_code == 401:
                return accepted, time.monotonic() - began
            assert answer.status_code == 200, answer.text
            accepted += 1
            time.sleep(0.01)
    pytest.fail(f"{url} still accepted the token {seconds} s after the change")


@pytest.mark.parametrize("store_url", ["sqlite", "postgresql"], indirect=True)
def test_every_server_refuses_a_revoked_token_and_a_suspended_principal_at_once(
    cluster: tuple[Team, list[str]], store_url: str
) -> None:
    """Servers keep the token rows they read; a change made by another process (here the
    services, as the CLI makes it) reaches them: on PostgreSQL by notification, on SQLite
    through the data version checked on every request (so the very next one)."""
    team, servers = cluster
    settings = load_settings(team.root)
    now = datetime.now(UTC)
    for _ in range(20):  # both servers have read (and keep) both agents' tokens
        for url in servers:
            for agent in ("agent-a", "agent-b"):
                answer = httpx.get(f"{url}/api/v1/handoffs/summary", headers=team.auth(agent))
                assert answer.status_code == 200, answer.text
    token = next(
        t for t in list_tokens(ctx_of(settings), "admin@x", now) if t["principal"] == "agent-a"
    )
    revoke_token(ctx_of(settings), "admin@x", str(token["id"]), now)
    suspend_principal(ctx_of(settings), "admin@x", "agent-b", now)
    for url in servers:
        # The cache keeps rows up to 5 s: a refusal within one second is the notification's.
        for agent in ("agent-a", "agent-b"):
            accepted, waited = _refused_within(
                f"{url}/api/v1/handoffs/summary", team.auth(agent), 1.0
            )
            assert waited < 1.0
            if store_url.startswith("sqlite"):
                assert accepted == 0
    # Nothing else is refused: another agent's token still works on both.
    for url in servers:
        answer = httpx.get(f"{url}/api/v1/handoffs/summary", headers=team.auth("qa@x"))
        assert answer.status_code == 200, answer.text
