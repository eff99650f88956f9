"""The team server's /api/v1, each test run twice: against the app in memory (httpx's
ASGITransport) and against a real `assay serve` process on 127.0.0.1, sharing one store
of a real project that passes every gate."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

import ready_project
from api_support import SIGNERS, Team, add_team, client, evidence_files, mcp_agent
from assay.api.server import create_app
from assay.settings import load_settings
from conftest import run_assay
from test_audit import _root_from_path

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    root = tmp_path_factory.mktemp("api") / "ledger"
    root.mkdir()
    ready_project.build(root)
    with (root / "assay.toml").open("a", encoding="utf-8") as config:
        config.write("\n[server]\nmax_upload_bytes = 300000\n")
    first = ready_project.certify(root)
    baseline = run_assay("runs", "baseline", _run_id(first), "-C", root)
    assert baseline.code == 0, baseline.err
    report = ready_project.certify(root)
    assert report["verdict"] == "ready", report
    made = add_team(root, ready_project.environment(root))
    made.env["ASSAY_TEST_RUN"] = _run_id(report)
    return made


def _run_id(report: dict[str, object]) -> str:
    run = report["run"]
    assert isinstance(run, dict)
    return str(run["id"])


def _mode(url: str | None) -> str:
    return "live" if url else "memory"


async def test_tokens_are_required_and_roles_are_checked(team: Team, url: str | None) -> None:
    async with client(team, url) as api:
        anonymous = await api.get("/api/v1/runs")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == 'Bearer realm="assay"'
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.json()["type"] == "https://assay.dev/problems/Unauthenticated"
        forged = await api.get("/api/v1/runs", headers={"Authorization": "Bearer assay_forged"})
        assert forged.status_code == 401
        assert forged.headers["www-authenticate"].endswith('error="invalid_token"')
        assert "unknown" in forged.json()["detail"]
        refused = await api.post(
            "/api/v1/projects/ledger/releases", json={"name": "x"}, headers=team.auth("auditor@x")
        )
        assert refused.status_code == 403
        assert refused.json()["type"] == "https://assay.dev/problems/PermissionRefused"
        assert "may not release.create" in refused.json()["detail"]
        audit = await api.get("/api/v1/audit/verify", headers=team.auth("dev@x"))
        assert audit.status_code == 403
        assert (await api.get("/api/v1/audit/verify", headers=team.auth("auditor@x"))).json()["ok"]


async def test_ci_uploads_a_run_and_reads_it_back(team: Team, url: str | None) -> None:
    ci = team.auth("dev@x")
    async with client(team, url) as api:
        before = (await api.get("/api/v1/runs", params={"limit": 200}, headers=ci)).json()
        files = evidence_files(passed=12, failed=0, covered=90, valid=100)
        report = ("report", ("DONE.md", b"# Done\n\nAll 12 tests pass.\n", "text/markdown"))
        key = {"Idempotency-Key": f"upload-{_mode(url)}"}
        made = await api.post(
            "/api/v1/projects/ledger/runs", files=[*files, report], headers=ci | key
        )
        assert made.status_code == 201, made.text
        body = made.json()
        kinds = {e["kind"]: e for e in body["evidence"]}
        assert set(kinds) == {"tests", "coverage", "sbom.cyclonedx", "claims"}
        assert kinds["tests"]["summary"]["tests"] == 12
        assert kinds["coverage"]["summary"]["line_rate"] == 0.9
        assert kinds["claims"]["summary"]["supported"] == 1
        gates = {g["id"]: g["status"] for g in body["gates"]["gates"]}
        assert "unknown" in gates.values() and body["gates"]["verdict"] != "ready"
        again = await api.post(
            "/api/v1/projects/ledger/runs", files=[*files, report], headers=ci | key
        )
        assert again.status_code == 201 and again.json()["run_id"] == body["run_id"]
        assert again.headers["idempotent-replayed"] == "true"
        clash = await api.post("/api/v1/projects/ledger/runs", files=files, headers=ci | key)
        assert clash.status_code == 409 and "different request" in clash.json()["detail"]

        run = await api.get(f"/api/v1/runs/{body['run_id'][:12]}", headers=ci)
        assert run.json()["id"] == body["run_id"]
        judged = await api.get(f"/api/v1/runs/{body['run_id']}/gates", headers=ci)
        assert judged.json()["policy_digest"] == body["gates"]["policy_digest"]
        document = await api.get(
            f"/api/v1/evidence/{kinds['sbom.cyclonedx']['sha256']}", headers=ci
        )
        assert document.json()["bomFormat"] == "CycloneDX"
        assert document.headers["etag"] == f'"{kinds["sbom.cyclonedx"]["sha256"]}"'

        first = await api.get("/api/v1/runs", params={"limit": 1}, headers=ci)
        assert first.json()["items"][0]["id"] == body["run_id"]
        cursor = first.json()["next_cursor"]
        second = await api.get("/api/v1/runs", params={"limit": 1, "cursor": cursor}, headers=ci)
        assert second.json()["items"][0]["id"] != body["run_id"]
        projects = (await api.get("/api/v1/projects", headers=ci)).json()
        assert projects[0]["name"] == "ledger" and projects[0]["latest_run"] == body["run_id"]

        broken = [("junit", ("junit.xml", b"<testsuites><oops", "application/xml"))]
        bad = await api.post("/api/v1/projects/ledger/runs", files=broken, headers=ci)
        assert bad.status_code == 400 and "junit.xml" in bad.json()["detail"]
        huge = [("junit", ("junit.xml", b"x" * 400_000, "application/xml"))]
        too_large = await api.post("/api/v1/projects/ledger/runs", files=huge, headers=ci)
        assert too_large.status_code == 413
        assert too_large.json()["type"] == "https://assay.dev/problems/UploadTooLarge"
        # The same body sent chunked, with no Content-Length to refuse it by: counted as read.
        built = httpx.Request("POST", "http://x/", files=huge)

        async def stream() -> AsyncIterator[bytes]:
            yield built.read()

        chunked = await api.post(
            "/api/v1/projects/ledger/runs",
            content=stream(),
            headers=ci | {"Content-Type": built.headers["content-type"]},
        )
        assert chunked.status_code == 413 and "larger than 300000 bytes" in chunked.text
        invalid = await api.get("/api/v1/runs", params={"limit": 0}, headers=ci)
        assert invalid.status_code == 422
        assert invalid.json()["errors"] == [
            {"field": "query.limit", "problem": "Input should be greater than or equal to 1"}
        ]
        after = (await api.get("/api/v1/runs", params={"limit": 200}, headers=ci)).json()
        assert len(after["items"]) == len(before["items"]) + 1  # failed uploads stored nothing


async def test_release_sign_offs_and_certificate(team: Team, url: str | None) -> None:
    name = f"1.0-{_mode(url)}"
    base = f"/api/v1/projects/ledger/releases/{name}"
    run = team.env["ASSAY_TEST_RUN"]
    async with client(team, url) as api:
        made = await api.post(
            "/api/v1/projects/ledger/releases",
            json={"name": name, "run": run},
            headers=team.auth("lead@x"),
        )
        assert made.status_code == 201, made.text
        assert made.json()["ready"] is False and made.json()["gates"]["verdict"] == "ready"
        stale = (await api.get(base, headers=team.auth("qa@x"))).headers["etag"]
        wrong_role = await api.post(
            f"{base}/signoffs",
            json={"role": "security", "decision": "approve"},
            headers=team.auth("qa@x"),
        )
        assert wrong_role.status_code == 403 and "does not hold the role" in wrong_role.text
        for role, signer in SIGNERS.items():
            etag = (await api.get(base, headers=team.auth(signer))).headers["etag"]
            signed = await api.post(
                f"{base}/signoffs",
                json={"role": role, "decision": "approve"},
                headers=team.auth(signer) | {"If-Match": etag},
            )
            assert signed.status_code == 201, signed.text
            assert signed.headers["etag"] != etag
        late = await api.post(
            f"{base}/signoffs",
            json={"role": "qa", "decision": "reject"},
            headers=team.auth("qa@x") | {"If-Match": stale},
        )
        assert late.status_code == 412
        assert late.json()["type"] == "https://assay.dev/problems/PreconditionFailed"
        rebind = await api.post(
            f"{base}/rebind", json={"run": run}, headers=team.auth("lead@x") | {"If-Match": stale}
        )
        assert rebind.status_code == 412
        status = (await api.get(base, headers=team.auth("qa@x"))).json()
        assert status["ready"] is True and status["missing"] == []

        issued = await api.post(f"{base}/certificates", headers=team.auth("lead@x"))
        assert issued.status_code == 201, issued.text
        certificate = issued.json()
        async with mcp_agent(team, "qa@x", url) as agent:  # the same certificate over MCP
            read = await agent.read_resource(f"assay://certificates/{certificate['id']}")
            shown = json.loads(read.contents[0].text)  # type: ignore[union-attr]
            assert shown["statement_sha256"] == certificate["statement_sha256"]
            assert shown["envelope"] == certificate["envelope"]
        listed = (await api.get("/api/v1/certificates", headers=team.auth("qa@x"))).json()
        assert certificate["id"] in {c["id"] for c in listed}
        one = await api.get(f"/api/v1/certificates/{certificate['id']}", headers=team.auth("qa@x"))
        assert one.json()["statement_sha256"] == certificate["statement_sha256"]
        check = await api.post(
            "/api/v1/certificates/verify", json=certificate["envelope"], headers=team.auth("qa@x")
        )
        assert check.json()["valid"] is True and check.json()["kind"] == "certificate"
        revoked = await api.post(
            f"/api/v1/certificates/{certificate['id']}/revoke",
            json={"reason": "key handling review"},
            headers=team.auth("sec@x"),
        )
        assert revoked.json()["revoke_reason"] == "key handling review"
        check = await api.post(
            "/api/v1/certificates/verify", json=certificate["envelope"], headers=team.auth("qa@x")
        )
        assert check.json()["valid"] is False and check.json()["reason"] == "revoked"
        listing = await api.get("/api/v1/certificates/revocations", headers=team.auth("qa@x"))
        statement = json.loads(base64.b64decode(listing.json()["payload"]))
        assert certificate["statement_sha256"] in statement["predicate"]["revocations"]


async def test_lockdown_answers_423_with_its_incident(team: Team, url: str | None) -> None:
    name = f"2.0-{_mode(url)}"
    base = f"/api/v1/projects/ledger/releases/{name}"
    async with client(team, url) as api:
        made = await api.post(
            "/api/v1/projects/ledger/releases", json={"name": name}, headers=team.auth("lead@x")
        )
        assert made.status_code == 201
        lock = await api.post(
            "/api/v1/lockdowns",
            json={"level": 1, "scope": "release", "target": f"ledger@{name}", "reason": "drill"},
            headers=team.auth("sec@x"),
        )
        assert lock.status_code == 201, lock.text
        incident = lock.json()["incident"]
        frozen = await api.post(
            f"{base}/signoffs",
            json={"role": "qa", "decision": "approve"},
            headers=team.auth("qa@x"),
        )
        assert frozen.status_code == 423
        assert frozen.json()["incident"] == incident and incident in frozen.json()["detail"]
        active = (await api.get("/api/v1/lockdowns", headers=team.auth("qa@x"))).json()
        assert lock.json()["id"] in {a["id"] for a in active}
        lifted = await api.post(
            f"/api/v1/lockdowns/{lock.json()['id']}/lift",
            json={"reason": "drill over"},
            headers=team.auth("sec@x"),
        )
        assert lifted.status_code == 200
        signed = await api.post(
            f"{base}/signoffs",
            json={"role": "qa", "decision": "approve"},
            headers=team.auth("qa@x"),
        )
        assert signed.status_code == 201

        opened = await api.post(
            "/api/v1/incidents",
            json={"severity": "high", "title": "token leaked in a CI log"},
            headers=team.auth("qa@x"),
        )
        assert opened.status_code == 201 and opened.json()["id"].startswith("INC-")
        updated = await api.post(
            f"/api/v1/incidents/{opened.json()['id']}/updates",
            json={"status": "resolved", "note": "token revoked"},
            headers=team.auth("sec@x"),
        )
        assert [e["status"] for e in updated.json()["timeline"]] == ["open", "resolved"]
        listed = (await api.get("/api/v1/incidents", headers=team.auth("qa@x"))).json()
        assert incident in {i["id"] for i in listed}


async def test_principals_and_tokens(team: Team, url: str | None) -> None:
    name = f"agent-{_mode(url)}"
    admin = team.auth("admin@x")
    async with client(team, url) as api:
        added = await api.post(
            "/api/v1/principals",
            json={"name": name, "kind": "agent", "roles": ["agent"]},
            headers=admin,
        )
        assert added.status_code == 201 and added.json()["status"] == "active"
        issued = await api.post(
            "/api/v1/tokens",
            json={"principal": name, "scopes": ["handoff.work"], "days": 1},
            headers=admin,
        )
        assert issued.status_code == 201
        token = {"Authorization": f"Bearer {issued.json()['token']}"}
        assert (await api.get("/api/v1/runs", headers=token)).status_code == 200
        scoped = await api.post(
            "/api/v1/handoffs",
            json={
                "title": "t",
                "assignee": "qa@x",
                "project": "ledger",
                "criteria": [{"check": "tests_pass"}],
            },
            headers=token,
        )
        assert scoped.status_code == 403 and "do not include handoff.create" in scoped.text
        not_admin = await api.post(
            "/api/v1/tokens", json={"principal": name}, headers=team.auth("qa@x")
        )
        assert not_admin.status_code == 403
        listed = (await api.get("/api/v1/tokens", headers=admin)).json()
        assert issued.json()["token"] not in json.dumps(listed)
        revoked = await api.post(f"/api/v1/tokens/{issued.json()['id']}/revoke", headers=admin)
        assert revoked.status_code == 204
        gone = await api.get("/api/v1/runs", headers=token)
        assert gone.status_code == 401 and "revoked" in gone.json()["detail"]
        # The answer does not say which: a revoked token reads as an unknown one.
        unknown = await api.get("/api/v1/runs", headers={"Authorization": "Bearer assay_x"})
        assert unknown.json()["detail"] == gone.json()["detail"]
        # A sign-off token for someone else acts once a second admin approves it.
        signer = await api.post(
            "/api/v1/tokens", json={"principal": "qa@x", "days": 1}, headers=admin
        )
        assert signer.status_code == 201 and signer.json()["pending"] is True
        pending = {"Authorization": f"Bearer {signer.json()['token']}"}
        assert (await api.get("/api/v1/runs", headers=pending)).status_code == 401
        approve = f"/api/v1/tokens/{signer.json()['id']}/approve"
        assert (await api.post(approve, headers=admin)).status_code == 403
        second = f"admin2-{_mode(url)}@x"
        await api.post(
            "/api/v1/principals",
            json={"name": second, "kind": "person", "roles": ["admin"]},
            headers=admin,
        )
        minted = await api.post("/api/v1/tokens", json={"principal": second}, headers=admin)
        assert minted.json()["pending"] is False  # an admin signs nothing off
        approved = await api.post(
            approve, headers={"Authorization": f"Bearer {minted.json()['token']}"}
        )
        assert approved.status_code == 200 and approved.json()["approved_by"] == second
        assert (await api.get("/api/v1/runs", headers=pending)).status_code == 200
        suspended = await api.post(f"/api/v1/principals/{name}/suspend", headers=admin)
        assert suspended.json()["status"] == "suspended"
        names = {p["name"] for p in (await api.get("/api/v1/principals", headers=admin)).json()}
        assert {name, "qa@x", "agent-a"} <= names


async def test_audit_entries_checkpoints_and_proofs(team: Team, url: str | None) -> None:
    auditor = team.auth("auditor@x")
    async with client(team, url) as api:
        page = (await api.get("/api/v1/audit/entries", params={"limit": 3}, headers=auditor)).json()
        assert [e["seq"] for e in page["items"]] == [0, 1, 2]
        following = await api.get(
            "/api/v1/audit/entries",
            params={"limit": 3, "cursor": page["next_cursor"]},
            headers=auditor,
        )
        assert following.json()["items"][0]["seq"] == 3
        principals = await api.get(
            "/api/v1/audit/entries", params={"action": "principal."}, headers=auditor
        )
        assert all(e["action"].startswith("principal.") for e in principals.json()["items"])
        newest = (await api.get("/api/v1/audit/checkpoints", headers=auditor)).json()[0]
        proof = (await api.get("/api/v1/audit/entries/2/proof", headers=auditor)).json()
        assert proof["tree_size"] == newest["size"] and proof["root_hash"] == newest["root_hash"]
        leaf = hashlib.sha256(b"\x00" + proof["leaf_data"].encode()).digest()
        assert leaf.hex() == proof["leaf_hash"] and json.loads(proof["leaf_data"])["seq"] == 2
        path = [bytes.fromhex(p) for p in proof["proof"]]
        root = _root_from_path(2, proof["tree_size"], leaf, path)  # RFC 6962, by hashlib alone
        assert root.hex() == proof["root_hash"]
        missing = await api.get("/api/v1/audit/entries/99999999/proof", headers=auditor)
        assert missing.status_code == 404


async def test_health_ready_metrics_and_request_ids(team: Team, url: str | None) -> None:
    async with client(team, url) as api:
        health = await api.get("/health", headers={"X-Request-Id": "probe-1"})
        assert health.json() == {"status": "healthy", "service": "assay"}
        assert health.headers["x-request-id"] == "probe-1"
        assert (await api.get("/ready")).json()["status"] == "ready"
        await api.get("/api/v1/runs", headers=team.auth("qa@x"))
        run = team.env["ASSAY_TEST_RUN"]
        judged = await api.get(f"/api/v1/runs/{run}/gates", headers=team.auth("qa@x"))
        assert judged.status_code == 200, judged.text
        offered = await api.post(
            "/api/v1/handoffs",
            json={
                "title": "Watch the metrics",
                "assignee": "agent-b",
                "project": "ledger",
                "criteria": [{"check": "tests_pass"}],
            },
            headers=team.auth("agent-a"),
        )
        assert offered.status_code == 201, offered.text
        metrics = (await api.get("/metrics")).text
        assert 'assay_evidence_stored{kind="tests"}' in metrics
        assert re.search(r'assay_gate_outcomes_total\{gate="[^"]+",status="pass"\} [1-9]', metrics)
        assert re.search(r'assay_handoffs_open\{state="offered"\} [1-9]', metrics)
        assert "assay_lockdown_level" in metrics and "assay_store_up 1.0" in metrics
        assert 'route="/api/v1/runs",status="200"' in metrics
        assert "assay_http_request_seconds_bucket" in metrics
    if url:
        port = url.rsplit(":", 1)[1]
        lines = (team.root.parent / f"serve-{port}.log").read_text().splitlines()
        logged = [json.loads(line) for line in lines if line.startswith("{")]
        assert any(e.get("request_id") == "probe-1" and e["status"] == 200 for e in logged)


async def test_rate_limit_answers_429_with_retry_after(team: Team) -> None:
    settings = load_settings(team.root)
    limited = settings.model_copy(
        update={
            "server": settings.server.model_copy(
                update={"rate_limit_per_minute": 6, "rate_limit_burst": 2}
            )
        }
    )
    transport = httpx.ASGITransport(app=create_app(limited))
    async with httpx.AsyncClient(transport=transport, base_url="http://assay.test") as api:
        answers = [await api.get("/api/v1/projects", headers=team.auth("qa@x")) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[2].headers["retry-after"]) >= 1
        other = await api.get("/api/v1/projects", headers=team.auth("dev@x"))
        assert other.status_code == 200  # the limit is per token
