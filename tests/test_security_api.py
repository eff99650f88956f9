"""Issue 19, findings 4, 5 and 7, against a real `assay serve` on 127.0.0.1 (on SQLite, and
on PostgreSQL when ASSAY_TEST_POSTGRES_URL is set): a chunked body over the limit is
refused as it arrives and nothing is stored; hand-off fields have bounds; every refusal of
a hand-off transition or a sign-off is in the audit log; a hand-off is reviewed only by
its offerer or a named reviewer, needs acceptance criteria, and takes evidence of its own
project only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from api_support import COVERAGE_GATE, Team, add_team, evidence_files, serve
from assay.settings import load_settings
from assay.store.database import Store
from assay.store.models import HandoffRow

pytestmark = pytest.mark.anyio

LIMIT = 256 * 1024
"""[server] max_upload_bytes of the served project: small, so a test body passes it fast."""

CRITERIA = [{"check": "tests_pass"}, {"check": "coverage_at_least", "value": 80}]


@dataclass
class Served:
    team: Team
    url: str


@pytest.fixture
def served(tmp_path: Path, store_url: str) -> Iterator[Served]:
    root = tmp_path / "billing"
    root.mkdir()
    (tmp_path / "store").mkdir(exist_ok=True)  # the SQLite store_url's folder
    (root / "assay.toml").write_text(
        f'[store]\nurl = "{store_url}"\n\n[server]\nmax_upload_bytes = {LIMIT}\n\n' + COVERAGE_GATE,
        encoding="utf-8",
    )
    team = add_team(root)
    with serve(root, team.env) as url:
        yield Served(team, url)


async def _upload(api: httpx.AsyncClient, team: Team, project: str, who: str = "agent-b") -> str:
    files = evidence_files(passed=12, failed=0, covered=90, valid=100)
    made = await api.post(f"/api/v1/projects/{project}/runs", files=files, headers=team.auth(who))
    assert made.status_code == 201, made.text
    run: str = made.json()["run_id"]
    return run


async def _refusals(api: httpx.AsyncClient, team: Team, **filters: str) -> list[dict[str, Any]]:
    found = await api.get(
        "/api/v1/audit/entries",
        params={"action": "operation.refused", "limit": 1000, **filters},
        headers=team.auth("auditor@x"),
    )
    assert found.status_code == 200, found.text
    entries: list[dict[str, Any]] = found.json()["items"]
    return entries


async def _offer(api: httpx.AsyncClient, team: Team, **fields: Any) -> dict[str, Any]:
    body = {"title": "Cover rounding", "assignee": "agent-b", "project": "billing"}
    body |= {"criteria": CRITERIA} | fields
    offered = await api.post("/api/v1/handoffs", json=body, headers=team.auth("agent-a"))
    assert offered.status_code == 201, offered.text
    handoff: dict[str, Any] = offered.json()
    return handoff


async def _move(
    api: httpx.AsyncClient, team: Team, who: str, handoff: str, action: str, body: object = None
) -> httpx.Response:
    return await api.post(f"/api/v1/handoffs/{handoff}/{action}", json=body, headers=team.auth(who))


async def _submitted(api: httpx.AsyncClient, team: Team, handoff: str, run: str) -> None:
    for action in ("accept", "start"):
        assert (await _move(api, team, "agent-b", handoff, action)).status_code == 200
    done = await _move(api, team, "agent-b", handoff, "submit", {"run": run})
    assert done.status_code == 200, done.text
    assert done.json()["submission"]["passed"] is True, done.json()["submission"]


async def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(served: Served) -> None:
    team = served.team
    head = (
        b'{"title": "flood", "assignee": "agent-b", "project": "billing", '
        b'"criteria": [{"check": "tests_pass"}], "context": {"open_items": ["'
    )
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield head
        chunk = b"x" * 65536
        for _ in range(16 * LIMIT // len(chunk)):  # 4 MiB: sixteen times the limit
            sent += len(chunk)
            yield chunk
        yield b'"]}}'

    headers = team.auth("agent-a") | {"Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as api:
        refused = await api.post("/api/v1/handoffs", content=body(), headers=headers)
        assert "content-length" not in {k.lower() for k in refused.request.headers}
        assert refused.status_code == 413, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["type"].endswith("/UploadTooLarge")
        assert str(LIMIT) in refused.json()["detail"]
        stored = await api.get("/api/v1/handoffs", headers=team.auth("qa@x"))
        assert "flood" not in {h["title"] for h in stored.json()["items"]}

        # The same rule for a multipart upload sent without a length.
        big = evidence_files(passed=1, failed=0, covered=1, valid=1)
        big.append(("report", ("REPORT.md", b"#" * (2 * LIMIT), "text/markdown")))
        encoded = httpx.Request("POST", "/", files=big)
        encoded.read()

        async def parts() -> AsyncIterator[bytes]:
            data = encoded.content
            for start in range(0, len(data), 65536):
                yield data[start : start + 65536]

        upload_headers = team.auth("agent-b") | {"Content-Type": encoded.headers["content-type"]}
        upload = await api.post(
            "/api/v1/projects/billing/runs", content=parts(), headers=upload_headers
        )
        assert upload.status_code == 413, upload.text
        runs = await api.get("/api/v1/runs", headers=team.auth("qa@x"))
        assert runs.json()["items"] == []

        # The server still answers, and a body under the limit is taken.
        handoff = await _offer(api, team, title="after the flood")
        assert handoff["state"] == "offered"


async def test_handoff_fields_are_bounded_and_criteria_and_project_required(
    served: Served,
) -> None:
    team = served.team
    base = {"title": "t", "assignee": "agent-b", "project": "billing", "criteria": CRITERIA}
    cases: list[tuple[dict[str, Any], int, str]] = [
        (base | {"context": {"open_items": ["x" * 2001]}}, 422, "body.context.open_items.0"),
        (base | {"context": {"links": ["x"] * 201}}, 422, "body.context.links"),
        (base | {"context": {"notes": "x" * 70000}}, 422, "body.context"),
        (base | {"title": "x" * 301}, 422, "body.title"),
        (base | {"criteria": CRITERIA * 11}, 422, "body.criteria"),
        (base | {"reviewers": ["x" * 201]}, 422, "body.reviewers.0"),
        (base | {"criteria": []}, 400, "at least one acceptance criterion"),
        ({k: v for k, v in base.items() if k != "project"}, 400, "names its project"),
        (base | {"reviewers": ["nobody@x"]}, 400, "not a principal"),
    ]
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as api:
        for body, status, words in cases:
            answer = await api.post("/api/v1/handoffs", json=body, headers=team.auth("agent-a"))
            assert answer.status_code == status, (body.keys(), answer.text)
            problem = answer.json()
            said = [e["field"] for e in problem.get("errors", [])] + [problem["detail"]]
            assert any(words in text for text in said), (words, problem)
        listed = await api.get("/api/v1/handoffs", headers=team.auth("qa@x"))
        assert listed.json()["items"] == []


async def test_handoff_review_is_for_the_offerer_or_a_named_reviewer(served: Served) -> None:
    team = served.team
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as api:
        handoff = await _offer(api, team, reviewers=["lead@x"])
        ident = handoff["id"]
        assert handoff["reviewers"] == ["lead@x"]

        stranger = await _move(api, team, "qa@x", ident, "accept")
        assert stranger.status_code == 403 and "offered to agent-b" in stranger.text
        other = await _upload(api, team, "elsewhere")
        for action in ("accept", "start"):
            assert (await _move(api, team, "agent-b", ident, action)).status_code == 200
        foreign = await _move(api, team, "agent-b", ident, "submit", {"run": other})
        assert foreign.status_code == 403 and "belongs to elsewhere" in foreign.text
        evidence = (await api.get(f"/api/v1/runs/{other}", headers=team.auth("qa@x"))).json()
        digest = evidence["evidence"][0]["sha256"]
        borrowed = await _move(api, team, "agent-b", ident, "submit", {"evidence": [digest]})
        assert borrowed.status_code == 403 and "belongs to elsewhere" in borrowed.text

        own = await _upload(api, team, "billing")
        submitted = await _move(api, team, "agent-b", ident, "submit", {"run": own})
        assert submitted.status_code == 200 and submitted.json()["submission"]["passed"]
        approve = {"decision": "approve"}
        unnamed = await _move(api, team, "qa@x", ident, "review", approve)
        assert unnamed.status_code == 403 and "neither offered" in unnamed.text
        self_review = await _move(api, team, "agent-b", ident, "review", approve)
        assert self_review.status_code == 403 and "cannot review" in self_review.text
        approved = await _move(api, team, "lead@x", ident, "review", approve)
        assert approved.status_code == 200 and approved.json()["state"] == "approved"

        refused = [(e["actor"], e["subject"]) for e in await _refusals(api, team)]
        assert refused == [
            ("qa@x", ident),  # accept: offered to another
            ("agent-b", ident),  # a run of another project
            ("agent-b", ident),  # evidence of another project
            ("qa@x", ident),  # review: neither offerer nor named
            ("agent-b", ident),  # review: the submitter
        ]

        # Without named reviewers, the offerer reviews.
        second = await _offer(api, team)
        await _submitted(api, team, second["id"], own)
        lead = await _move(api, team, "lead@x", second["id"], "review", approve)
        assert lead.status_code == 403
        offerer = await _move(api, team, "agent-a", second["id"], "review", approve)
        assert offerer.status_code == 200 and offerer.json()["state"] == "approved"


async def test_handoffs_stored_before_the_rules_cannot_be_approved(served: Served) -> None:
    """Rows as an older version stored them (no criteria; a run of another project
    submitted) are refused at approval, and the refusal is audited."""
    team = served.team
    settings = load_settings(team.root)
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as api:
        own = await _upload(api, team, "billing")
        other = await _upload(api, team, "elsewhere")
        bare = await _offer(api, team)
        foreign = await _offer(api, team)
        for handoff in (bare, foreign):
            await _submitted(api, team, handoff["id"], own)
        store = Store.open(settings.store_url, settings.evidence_dir, create=False)
        try:
            with store.transaction() as session:
                session.execute(
                    update(HandoffRow).where(HandoffRow.id == bare["id"]).values(criteria="[]")
                )
                session.execute(
                    update(HandoffRow)
                    .where(HandoffRow.id == foreign["id"])
                    .values(submitted_run=other)
                )
        finally:
            store.close()
        approve = {"decision": "approve"}
        criterialess = await _move(api, team, "agent-a", bare["id"], "review", approve)
        assert criterialess.status_code == 403
        assert "names no acceptance criteria" in criterialess.json()["detail"]
        elsewhere = await _move(api, team, "agent-a", foreign["id"], "review", approve)
        assert elsewhere.status_code == 403 and "belongs to elsewhere" in elsewhere.text
        for handoff in (bare, foreign):
            state = await api.get(f"/api/v1/handoffs/{handoff['id']}", headers=team.auth("qa@x"))
            assert state.json()["state"] == "submitted"
            logged = await _refusals(api, team, subject=handoff["id"])
            assert [e["actor"] for e in logged] == ["agent-a"]


async def test_signoff_refusals_are_audited(served: Served) -> None:
    team = served.team
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as api:
        run = await _upload(api, team, "billing", who="dev@x")  # dev@x authors the run
        made = await api.post(
            "/api/v1/projects/billing/releases",
            json={"name": "1.0", "run": run},
            headers=team.auth("lead@x"),
        )
        assert made.status_code == 201, made.text
        base = "/api/v1/projects/billing/releases/1.0/signoffs"
        wrong_role = await api.post(
            base, json={"role": "security", "decision": "approve"}, headers=team.auth("qa@x")
        )
        assert wrong_role.status_code == 403 and "does not hold the role" in wrong_role.text
        author = await api.post(
            base, json={"role": "developer", "decision": "approve"}, headers=team.auth("dev@x")
        )
        assert author.status_code == 403, author.text
        not_a_signer = await api.post(
            base, json={"role": "qa", "decision": "approve"}, headers=team.auth("agent-a")
        )
        assert not_a_signer.status_code == 403
        signed = await api.post(
            base, json={"role": "qa", "decision": "approve"}, headers=team.auth("qa@x")
        )
        assert signed.status_code == 201, signed.text

        logged = [(e["actor"], e["subject"]) for e in await _refusals(api, team)]
        assert logged == [
            ("qa@x", "billing@1.0"),  # a role it does not hold
            ("dev@x", "billing@1.0"),  # the author of the run
            ("agent-a", "billing@1.0"),  # no sign-off role at all (authorize)
        ]
