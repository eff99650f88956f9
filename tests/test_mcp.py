"""The MCP server through the SDK's own client: in memory, over Streamable HTTP at /mcp of
a real `assay serve` on 127.0.0.1, and over stdio from `assay mcp`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError

from api_support import (
    COVERAGE_GATE,
    Team,
    add_team,
    evidence_files,
    mcp_agent,
    patched_environment,
)
from api_support import client as rest_client
from assay.mcp.server import build_server
from assay.services.lockdown import lift_lockdown
from assay.services.releases import create_release
from assay.services.uploads import UploadedFile, record_upload
from assay.settings import load_settings
from assay.store.repositories import ensure_project
from assay.team_server import build_app
from conftest import EXAMPLE, INSPECTOR, ctx_of

pytestmark = pytest.mark.anyio


TOOLS = {
    "certify_project",
    "scan_dependencies",
    "verify_claims",
    "evaluate_gates",
    "release_status",
    "sign_off",
    "create_handoff",
    "accept_handoff",
    "submit_handoff",
    "review_handoff",
    "list_my_handoffs",
    "open_incident",
    "start_lockdown",
    "verify_certificate",
    "search_audit_log",
    "compliance_status",
    "package_release",
}


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    base = tmp_path_factory.mktemp("mcp")
    root = base / "shipping-quotes"
    shutil.copytree(EXAMPLE, root)
    (root / "assay.toml").write_text(COVERAGE_GATE, encoding="utf-8")
    team = add_team(root)
    # The project is known to the store (as after its first certify run): a lockdown names
    # a project of the store.
    with (
        patched_environment(team.env),
        ctx_of(load_settings(root)).transaction(exclusive=True) as session,
    ):
        ensure_project(session, root.name, str(root), datetime.now(UTC))
    return team


def _text(result: object) -> str:
    return " ".join(getattr(c, "text", "") for c in getattr(result, "content", []))


async def test_tools_resources_and_prompts_are_listed_with_schemas(
    team: Team, url: str | None
) -> None:
    async with mcp_agent(team, "agent-a", url) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == TOOLS
        assert all(t.input_schema and t.output_schema for t in tools.values())
        assert tools["start_lockdown"].annotations.destructive_hint is True
        assert tools["search_audit_log"].annotations.read_only_hint is True
        assert tools["submit_handoff"].annotations.read_only_hint is False
        assert "run_id" in tools["submit_handoff"].input_schema["properties"]
        templates = {
            t.uri_template for t in (await client.list_resource_templates()).resource_templates
        }
        assert templates == {
            "assay://runs/{run_id}",
            "assay://runs/{run_id}/evidence/{kind}",
            "assay://handoffs/{handoff_id}",
            "assay://certificates/{certificate_id}",
        }
        fixed = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {"assay://runs", "assay://policy"} <= fixed
        policy = json.loads((await client.read_resource("assay://policy")).contents[0].text)
        assert "COV-001" in {g["id"] for g in policy["gates"]}
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert prompts == {"prepare_release", "review_handoff", "explain_failing_gate"}
        prompt = await client.get_prompt(
            "explain_failing_gate", {"run_id": "r1", "gate": "PROD-003"}
        )
        assert "PROD-003" in prompt.messages[0].content.text
        with pytest.raises(MCPError):
            await client.read_resource("assay://runs/no-such-run")


async def test_permissions_and_lockdowns_refuse_with_the_reason(
    team: Team, url: str | None
) -> None:
    async with mcp_agent(team, "agent-a", url) as client:
        denied = await client.call_tool(
            "start_lockdown", {"level": 1, "reason": "an agent may not do this"}
        )
        assert denied.is_error and "may not lockdown.start" in _text(denied)
        audit = await client.call_tool("search_audit_log", {"action": "operation."})
        assert audit.is_error and "may not audit.read" in _text(audit)
    async with mcp_agent(team, "sec@x", url) as security:
        started = await security.call_tool(
            "start_lockdown",
            {"level": 1, "reason": "drill", "scope": "project", "target": "shipping-quotes"},
        )
        assert not started.is_error, _text(started)
        incident = started.structured_content["incident"]
    try:
        async with mcp_agent(team, "agent-a", url) as client:
            frozen = await client.call_tool("certify_project", {"path": str(team.root)})
            assert frozen.is_error and "frozen by a level 1 lockdown" in _text(frozen)
            assert incident in _text(frozen)
    finally:
        lockdown = started.structured_content["lockdown"]
        with patched_environment(team.env):
            lift_lockdown(
                ctx_of(load_settings(team.root)), "sec@x", lockdown, "drill over", datetime.now(UTC)
            )


async def test_an_unauthenticated_caller_is_refused(team: Team, url: str | None) -> None:
    if url:
        answer = httpx.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == 'Bearer realm="assay"'
        forged = httpx.post(f"{url}/mcp", json={}, headers={"Authorization": "Bearer assay_forged"})
        assert forged.status_code == 401 and "invalid_token" in forged.headers["www-authenticate"]
        return
    settings = load_settings(team.root)  # no ASSAY_TOKEN: as `assay mcp` without one
    async with Client(build_server(ctx_of(settings))) as client:
        refused = await client.call_tool("list_my_handoffs", {})
        assert refused.is_error and "no API token" in _text(refused)


async def test_agents_hand_off_and_a_person_approves_through_rest(
    team: Team, url: str | None
) -> None:
    """Agent A certifies and finds a failing gate; hands off to agent B with acceptance
    criteria; B fixes the evidence and submits; a person approves through the REST API;
    all of it is in the audit log."""
    progress: list[str] = []

    async def note(done: float, total: float | None, message: str | None) -> None:
        progress.append(message or "")

    async with mcp_agent(team, "agent-a", url) as a:
        certified = await a.call_tool(
            "certify_project",
            {"path": str(team.root)},
            progress_callback=note,
        )
        assert not certified.is_error, _text(certified)
        report = certified.structured_content
        assert report["verdict"] != "ready" and report["gates"]["COV-001"] != "pass"
        assert any("Dependency inventory" in (m or "") for m in progress)
        offered = await a.call_tool(
            "create_handoff",
            {
                "title": "Make COV-001 pass",
                "assignee": "agent-b",
                "summary": f"Run {report['run_id']} fails COV-001.",
                "criteria": [
                    {"check": "tests_pass"},
                    {"check": "coverage_at_least", "value": 80},
                    {"check": "gate_passes", "gate": "COV-001"},
                ],
                "project": "shipping-quotes",
                "reviewers": ["lead@x"],
            },
        )
        assert not offered.is_error, _text(offered)
        handoff = offered.structured_content["id"]

    async with mcp_agent(team, "agent-b", url) as b, rest_client(team, url) as rest:
        mine = await b.call_tool("list_my_handoffs", {"state": "offered"})
        assert handoff in {h["id"] for h in mine.structured_content["handoffs"]}
        started = await b.call_tool("accept_handoff", {"handoff_id": handoff})
        assert started.structured_content["state"] == "in_progress"
        upload = await rest.post(
            "/api/v1/projects/shipping-quotes/runs",
            files=evidence_files(passed=14, failed=0, covered=88, valid=100),
            headers=team.auth("agent-b"),
        )
        assert upload.status_code == 201, upload.text
        submitted = await b.call_tool(
            "submit_handoff", {"handoff_id": handoff, "run_id": upload.json()["run_id"]}
        )
        submission = submitted.structured_content["submission"]
        assert submission["passed"] is True, submission
        own = await b.call_tool("review_handoff", {"handoff_id": handoff, "decision": "approve"})
        assert own.is_error and "cannot review" in _text(own)
        resource = await b.read_resource(f"assay://handoffs/{handoff}")
        assert json.loads(resource.contents[0].text)["state"] == "submitted"

    async with rest_client(team, url) as rest:
        approved = await rest.post(
            f"/api/v1/handoffs/{handoff}/review",
            json={"decision": "approve", "note": "evidence checked"},
            headers=team.auth("lead@x"),
        )
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    async with mcp_agent(team, "auditor@x", url) as auditor:
        trail = await auditor.call_tool("search_audit_log", {"subject": handoff})
        steps = [(e["actor"], e["action"]) for e in trail.structured_content["entries"]]
        assert steps == [
            ("agent-a", "handoff.offered"),
            ("agent-b", "handoff.accepted"),
            ("agent-b", "handoff.in_progress"),
            ("agent-b", "handoff.submitted"),
            ("agent-b", "operation.refused"),  # reviewing its own work
            ("lead@x", "handoff.approved"),
        ]
        runs = await auditor.call_tool("search_audit_log", {"action": "run.certified"})
        actors = {e["actor"] for e in runs.structured_content["entries"]}
        assert {"agent-a", "agent-b"} <= actors


async def test_assay_mcp_over_stdio(team: Team) -> None:
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "assay.cli.main", "mcp", "-C", str(team.root)],
        env={**os.environ, "ASSAY_TOKEN": team.tokens["qa@x"]},
    )
    async with Client(server) as client:
        assert {t.name for t in (await client.list_tools()).tools} == TOOLS
        mine = await client.call_tool("list_my_handoffs", {})
        assert not mine.is_error and "handoffs" in mine.structured_content


def _inspector(*args: str, cwd: Path) -> dict[str, Any]:
    """The MCP Inspector's command-line mode (installed by make install-test)."""
    if not INSPECTOR.exists():
        pytest.fail(f"the MCP Inspector is not at {INSPECTOR}: run make install-test")
    done = subprocess.run(
        [str(INSPECTOR), "--cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={**os.environ, "MCP_CATALOG_PATH": str(cwd / "inspector-catalog.json")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_the_mcp_inspector_lists_and_calls_tools_over_stdio_and_http(
    team: Team, live: str, tmp_path: Path
) -> None:
    command = [sys.executable, "-m", "assay.cli.main", "mcp", "-C", str(team.root)]
    token = ["-e", f"ASSAY_TOKEN={team.tokens['qa@x']}"]
    listed = _inspector(*token, "--method", "tools/list", *command, cwd=tmp_path)
    assert {t["name"] for t in listed["tools"]} == TOOLS
    called = _inspector(
        *token, "--method", "tools/call", "--tool-name", "list_my_handoffs", *command, cwd=tmp_path
    )
    assert called["isError"] is False and "handoffs" in called["structuredContent"]

    bearer = ["--header", f"Authorization: Bearer {team.tokens['auditor@x']}"]
    over_http = _inspector(f"{live}/mcp", *bearer, "--method", "tools/list", cwd=tmp_path)
    assert {t["name"] for t in over_http["tools"]} == TOOLS
    searched = _inspector(
        f"{live}/mcp",
        *bearer,
        "--method",
        "tools/call",
        "--tool-name",
        "search_audit_log",
        "--tool-arg",
        "action=principal.",
        cwd=tmp_path,
    )
    assert searched["isError"] is False
    assert all(
        e["action"].startswith("principal.") for e in searched["structuredContent"]["entries"]
    )


@pytest.fixture(scope="module")
def uploaded(team: Team) -> str:
    """A run of uploaded evidence and a release bound to it, made through the services."""
    with patched_environment(team.env):
        settings = load_settings(team.root)
        files = [
            UploadedFile(kind, name, data)
            for kind, (name, data, _) in evidence_files(passed=9, failed=1, covered=70, valid=100)
        ]
        run = record_upload(
            ctx_of(settings), "agent-a", "shipping-quotes", files, datetime.now(UTC)
        )
        create_release(
            ctx_of(settings),
            "shipping-quotes",
            "4.0",
            run=run.run_id,
            by="lead@x",
            now=datetime.now(UTC),
        )
    return str(run.run_id)


async def test_every_other_tool_resource_and_prompt(
    team: Team, url: str | None, uploaded: str
) -> None:
    async with mcp_agent(team, "qa@x", url) as qa:
        gates = await qa.call_tool("evaluate_gates", {"run_id": uploaded})
        statuses = {g["id"]: g["status"] for g in gates.structured_content["gates"]}
        assert statuses["COV-001"] == "fail" and gates.structured_content["verdict"] != "ready"
        status = await qa.call_tool(
            "release_status", {"project": "shipping-quotes", "release": "4.0"}
        )
        assert status.structured_content["ready"] is False
        assert any("COV-001" in m for m in status.structured_content["missing"])
        signed = await qa.call_tool(
            "sign_off",
            {"project": "shipping-quotes", "release": "4.0", "role": "qa", "decision": "reject"},
        )
        assert not signed.is_error and signed.structured_content["signer"] == "qa@x"
        wrong = await qa.call_tool(
            "sign_off",
            {
                "project": "shipping-quotes",
                "release": "4.0",
                "role": "security",
                "decision": "approve",
            },
        )
        assert wrong.is_error and "does not hold the role security" in _text(wrong)
        incident = await qa.call_tool(
            "open_incident", {"title": "flaky payment test", "severity": "low"}
        )
        assert incident.structured_content["incident"].startswith("INC-")
        unverifiable = await qa.call_tool("verify_certificate", {"envelope": {"payload": "x"}})
        assert unverifiable.is_error and "no trusted public key" in _text(unverifiable)
        scanned = await qa.call_tool("scan_dependencies", {"path": str(team.root)})
        assert not scanned.is_error and "status" in scanned.structured_content
        report = team.root / "DONE.md"  # a report inside the project the server serves
        report.write_text("# Done\n\nAll 10 tests pass.\n", encoding="utf-8")
        try:
            claims = await qa.call_tool(
                "verify_claims", {"report": str(report), "project": str(team.root)}
            )
        finally:
            report.unlink()
        assert not claims.is_error and claims.structured_content["summary"]["claims"] >= 1

        controls = await qa.call_tool(
            "compliance_status",
            {"project": "shipping-quotes", "release": "4.0", "framework": ["ssdf"]},
        )
        assert not controls.is_error, _text(controls)
        ssdf = controls.structured_content["frameworks"][0]
        tested = next(c for c in ssdf["controls"] if c["id"] == "PW.8.2")
        assert tested["state"] == "partial"  # tests and coverage are there; PROD-001 fails
        assert {e["kind"] for e in tested["evidence"]} == {"tests", "coverage"}
        package = await qa.call_tool(
            "package_release", {"project": "shipping-quotes", "release": "4.0"}
        )
        assert package.is_error and "may not audit.read" in _text(package)

        runs = json.loads((await qa.read_resource("assay://runs")).contents[0].text)
        assert uploaded in {r["id"] for r in runs}
        run = json.loads((await qa.read_resource(f"assay://runs/{uploaded}")).contents[0].text)
        assert set(run["evidence"]) >= {"tests", "coverage", "sbom.cyclonedx"}
        tests = await qa.read_resource(f"assay://runs/{uploaded}/evidence/tests")
        assert json.loads(tests.contents[0].text)["summary"]["failed"] == 1
        for name, arguments in (
            ("prepare_release", {"project": "shipping-quotes", "release": "4.0"}),
            ("review_handoff", {"handoff_id": "h-1"}),
        ):
            prompt = await qa.get_prompt(name, arguments)
            text = prompt.messages[0].content.text
            assert all(value in text for value in arguments.values()), text


async def test_a_certified_run_tells_listeners_the_resources_changed(team: Team) -> None:
    async with (
        mcp_agent(team, "agent-a", None) as client,
        client.listen(resources_list_changed=True) as events,
    ):
        certified = await client.call_tool("certify_project", {"path": str(team.root)})
        assert not certified.is_error, _text(certified)
        with anyio.fail_after(10):
            event = await events.__anext__()
        assert "ResourcesListChanged" in type(event).__name__
        runs = json.loads((await client.read_resource("assay://runs")).contents[0].text)
        assert certified.structured_content["run_id"] in {r["id"] for r in runs}


async def test_a_run_uploaded_through_rest_is_announced_to_listeners(team: Team) -> None:
    with patched_environment(team.env):
        app = build_app(load_settings(team.root))
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://assay.test") as rest,
        Client(app.state.mcp) as client,
        client.listen(resources_list_changed=True) as events,
    ):
        made = await rest.post(
            "/api/v1/projects/shipping-quotes/runs",
            files=evidence_files(passed=3, failed=0, covered=9, valid=10),
            headers=team.auth("dev@x"),
        )
        assert made.status_code == 201, made.text
        with anyio.fail_after(10):
            event = await events.__anext__()
        assert "ResourcesListChanged" in type(event).__name__
