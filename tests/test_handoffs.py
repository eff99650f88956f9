"""Agent hand-offs through the REST API, in memory and against a real `assay serve`: an
agent submits work whose acceptance checks fail and cannot be approved, fixes the
evidence, is approved; every transition is in the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from api_support import COVERAGE_GATE, Team, add_team, client, evidence_files

pytestmark = pytest.mark.anyio


CRITERIA = [
    {"check": "tests_pass"},
    {"check": "coverage_at_least", "value": 80},
    {"check": "no_contradicted_claims"},
    {"check": "gate_passes", "gate": "COV-001"},
]
WORK = {"project": "billing", "criteria": [{"check": "tests_pass"}]}
"""What every offer names besides its title and assignee."""


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    root = tmp_path_factory.mktemp("handoffs") / "billing"
    root.mkdir()
    (root / "assay.toml").write_text(COVERAGE_GATE, encoding="utf-8")
    return add_team(root)


async def _upload(api: httpx.AsyncClient, team: Team, report: str, **counts: int) -> str:
    files = evidence_files(**counts)
    files.append(("report", ("HANDOFF.md", report.encode(), "text/markdown")))
    made = await api.post(
        "/api/v1/projects/billing/runs", files=files, headers=team.auth("agent-b")
    )
    assert made.status_code == 201, made.text
    run: str = made.json()["run_id"]
    return run


async def _move(
    api: httpx.AsyncClient, team: Team, who: str, path: str, etag: str, body: object = None
) -> httpx.Response:
    return await api.post(path, json=body, headers=team.auth(who) | {"If-Match": etag})


async def test_failing_checks_block_approval_until_the_evidence_is_fixed(
    team: Team, url: str | None
) -> None:
    async with client(team, url) as api:
        offered = await api.post(
            "/api/v1/handoffs",
            json={
                "title": "Raise invoice rounding coverage",
                "summary": "Rounding of invoice totals lacks tests.",
                "assignee": "agent-b",
                "project": "billing",
                "context": {
                    "artifacts": [{"name": "billing-1.4.0.tar.gz", "sha256": "ab" * 32}],
                    "open_items": ["half-cent rounding"],
                    "links": ["https://tracker.example/BILL-12"],
                },
                "criteria": CRITERIA,
                "reviewers": ["lead@x"],
                "due": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            },
            headers=team.auth("agent-a"),
        )
        assert offered.status_code == 201, offered.text
        handoff = offered.json()
        base = f"/api/v1/handoffs/{handoff['id']}"
        assert handoff["state"] == "offered" and offered.headers["etag"] == '"1"'

        stranger = await _move(api, team, "qa@x", f"{base}/accept", '"1"')
        assert stranger.status_code == 403 and "offered to agent-b" in stranger.text
        accepted = await _move(api, team, "agent-b", f"{base}/accept", '"1"')
        assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
        stale = await _move(api, team, "agent-b", f"{base}/start", '"1"')
        assert stale.status_code == 412
        started = await _move(api, team, "agent-b", f"{base}/start", accepted.headers["etag"])
        assert started.json()["state"] == "in_progress"

        weak = await _upload(
            api, team, "# Done\n\nAll 20 tests pass.\n", passed=18, failed=2, covered=60, valid=100
        )
        submitted = await _move(
            api, team, "agent-b", f"{base}/submit", started.headers["etag"], {"run": weak}
        )
        assert submitted.status_code == 200, submitted.text
        checks = {c["check"]: c for c in submitted.json()["submission"]["checks"]}
        assert submitted.json()["submission"]["passed"] is False
        assert not checks["tests_pass"]["passed"] and "2 failed" in checks["tests_pass"]["detail"]
        assert not checks["coverage_at_least"]["passed"]
        assert not checks["no_contradicted_claims"]["passed"]  # "All 20 tests pass" is false
        assert checks["gate_passes"]["detail"] == "gate COV-001: fail"

        etag = submitted.headers["etag"]
        own = await _move(api, team, "agent-b", f"{base}/review", etag, {"decision": "approve"})
        assert own.status_code == 403 and "cannot review" in own.text
        blocked = await _move(api, team, "lead@x", f"{base}/review", etag, {"decision": "approve"})
        assert blocked.status_code == 403
        assert "tests ran and none failed (20 tests, 2 failed or errored)" in blocked.text
        assert "line coverage at least 80%" in blocked.text
        changes = await _move(
            api,
            team,
            "lead@x",
            f"{base}/review",
            etag,
            {"decision": "request_changes", "note": "fix the two failures, cover rounding"},
        )
        assert changes.json()["state"] == "changes_requested"

        fixed = await _upload(
            api, team, "# Done\n\nAll 24 tests pass.\n", passed=24, failed=0, covered=91, valid=100
        )
        again = await _move(
            api, team, "agent-b", f"{base}/submit", changes.headers["etag"], {"run": fixed}
        )
        assert again.json()["submission"]["passed"] is True, again.json()["submission"]
        approved = await _move(
            api, team, "lead@x", f"{base}/review", again.headers["etag"], {"decision": "approve"}
        )
        assert approved.status_code == 200 and approved.json()["state"] == "approved"
        closed = await _move(api, team, "agent-a", f"{base}/cancel", approved.headers["etag"], {})
        assert closed.status_code == 409 and "it cannot cancel" in closed.text

        trail = await api.get(
            "/api/v1/audit/entries",
            params={"subject": handoff["id"], "limit": 50},
            headers=team.auth("auditor@x"),
        )
        steps = [(e["actor"], e["action"]) for e in trail.json()["items"]]
        assert steps == [
            ("agent-a", "handoff.offered"),
            ("qa@x", "operation.refused"),  # accepting what is offered to another
            ("agent-b", "handoff.accepted"),
            ("agent-b", "handoff.in_progress"),
            ("agent-b", "handoff.submitted"),
            ("agent-b", "operation.refused"),  # reviewing its own work
            ("lead@x", "operation.refused"),  # approving failed checks
            ("lead@x", "handoff.changes_requested"),
            ("agent-b", "handoff.submitted"),
            ("lead@x", "handoff.approved"),
        ]


async def test_roles_listing_summary_decline_cancel_and_expiry(team: Team, url: str | None) -> None:
    async with client(team, url) as api:
        to_qa = await api.post(
            "/api/v1/handoffs",
            json={"title": "Exploratory test of refunds", "assignee_role": "qa"} | WORK,
            headers=team.auth("agent-a"),
        )
        assert to_qa.status_code == 201
        mine = await api.get(
            "/api/v1/handoffs",
            params={"assignee": "me", "state": "offered"},
            headers=team.auth("qa@x"),
        )
        assert to_qa.json()["id"] in {h["id"] for h in mine.json()["items"]}
        not_qa = await api.post(
            f"/api/v1/handoffs/{to_qa.json()['id']}/accept", headers=team.auth("dev@x")
        )
        assert not_qa.status_code == 403 and "role qa" in not_qa.text
        declined = await api.post(
            f"/api/v1/handoffs/{to_qa.json()['id']}/decline",
            json={"note": "no capacity this sprint"},
            headers=team.auth("qa@x"),
        )
        assert declined.json()["state"] == "declined" and declined.json()["accepted_by"] is None

        to_cancel = await api.post(
            "/api/v1/handoffs",
            json={"title": "Update the runbook", "assignee": "agent-b"} | WORK,
            headers=team.auth("agent-a"),
        )
        not_owner = await api.post(
            f"/api/v1/handoffs/{to_cancel.json()['id']}/cancel",
            json={},
            headers=team.auth("agent-b"),
        )
        assert not_owner.status_code == 403
        cancelled = await api.post(
            f"/api/v1/handoffs/{to_cancel.json()['id']}/cancel",
            json={"note": "done by hand"},
            headers=team.auth("agent-a"),
        )
        assert cancelled.json()["state"] == "cancelled"

        soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
        short = await api.post(
            "/api/v1/handoffs",
            json={"title": "Triage the nightly failure", "assignee": "agent-b", "due": soon} | WORK,
            headers=team.auth("agent-a"),
        )
        assert short.status_code == 201
        taken = await api.post(
            "/api/v1/handoffs",
            json={"title": "Rotate the signing key", "assignee": "agent-b", "due": soon} | WORK,
            headers=team.auth("agent-a"),
        )
        accepted = await api.post(
            f"/api/v1/handoffs/{taken.json()['id']}/accept", headers=team.auth("agent-b")
        )
        assert accepted.json()["overdue"] is False
        await asyncio.sleep(1.2)
        summary = (await api.get("/api/v1/handoffs/summary", headers=team.auth("qa@x"))).json()
        overdue = {h["id"]: h for h in summary["overdue"]}
        assert overdue[taken.json()["id"]]["state"] == "accepted"  # late, not expired
        assert overdue[taken.json()["id"]]["assignee"] == "agent-b"
        assert short.json()["id"] not in overdue  # an expired offer is closed
        late_work = await api.get(
            f"/api/v1/handoffs/{taken.json()['id']}", headers=team.auth("qa@x")
        )
        assert late_work.json()["overdue"] is True
        assert summary["counts"]["expired"] >= 1 and summary["counts"]["declined"] >= 1
        expired = await api.get(f"/api/v1/handoffs/{short.json()['id']}", headers=team.auth("qa@x"))
        assert expired.json()["state"] == "expired"
        late = await api.post(
            f"/api/v1/handoffs/{short.json()['id']}/accept", headers=team.auth("agent-b")
        )
        assert late.status_code == 409 and "expired" in late.text

        page = await api.get("/api/v1/handoffs", params={"limit": 1}, headers=team.auth("qa@x"))
        following = await api.get(
            "/api/v1/handoffs",
            params={"limit": 1, "cursor": page.json()["next_cursor"]},
            headers=team.auth("qa@x"),
        )
        assert following.json()["items"][0]["id"] != page.json()["items"][0]["id"]

        bad = await api.post(
            "/api/v1/handoffs",
            json={"title": "x", "assignee": "agent-b", "criteria": [{"check": "vibes"}]},
            headers=team.auth("agent-a"),
        )
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"].startswith(
            "body.criteria"
        )
        both = await api.post(
            "/api/v1/handoffs",
            json={"title": "x", "assignee": "agent-b", "assignee_role": "qa"} | WORK,
            headers=team.auth("agent-a"),
        )
        assert both.status_code == 400 and "exactly one" in both.json()["detail"]
