"""Paths a caller names to the server stay inside the project it serves (issue 19, item 1).

The MCP tools that take a path (``certify_project``, ``scan_dependencies``,
``verify_claims``) are driven through the SDK's client, in memory and over Streamable HTTP
at /mcp of a real `assay serve`; the REST API is driven in memory, as test_api.py does.
A path outside the served project (absolute, with ``..``, or through a symbolic link
inside it) is refused with the same words whether its target exists or not, nothing is
stored, and the audit log records the refusal.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from api_support import COVERAGE_GATE, Team, add_team, mcp_agent, patched_environment
from assay.api.deps import CurrentCaller
from assay.api.server import create_app
from assay.core.access import Operation
from assay.services.audit import audit_entries
from assay.services.runs import list_runs
from assay.services.served import OutsideProject, confine
from assay.settings import load_settings
from conftest import EXAMPLE, ctx_of

pytestmark = pytest.mark.anyio

SECRET = "elsewhere-only-line"
NOTE = f"# Note\n\nAll 42 tests pass.\n\n{SECRET}: 97% coverage.\n"


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    base = tmp_path_factory.mktemp("paths")
    root = base / "shipping-quotes"
    shutil.copytree(EXAMPLE, root)
    (root / "assay.toml").write_text(COVERAGE_GATE, encoding="utf-8")
    elsewhere = base / "elsewhere"
    shutil.copytree(EXAMPLE, elsewhere / "project")  # a project the server does not serve
    (elsewhere / "note.md").write_text(NOTE, encoding="utf-8")
    return add_team(root)


@pytest.fixture
def links(team: Team) -> Iterator[None]:
    """Symbolic links inside the served project to a folder and files outside it (one of
    them dangling), removed afterwards so nothing else walks them."""
    elsewhere = team.root.parent / "elsewhere"
    made = {
        team.root / "link-out": elsewhere,
        team.root / "note-link.md": elsewhere / "note.md",
        team.root / "dangling.md": elsewhere / "gone.md",
    }
    for link, target in made.items():
        link.symlink_to(target)
    try:
        yield
    finally:
        for link in made:
            link.unlink()


def _text(result: object) -> str:
    return " ".join(getattr(c, "text", "") for c in getattr(result, "content", []))


def _outside(team: Team, name: str) -> list[tuple[str, str]]:
    """Pairs of paths outside the served project, one whose target exists and one whose
    target does not, written each way a caller might."""
    elsewhere = team.root.parent / "elsewhere"
    return [
        (str(elsewhere / name), str(elsewhere / f"missing-{name}")),
        (f"../elsewhere/{name}", f"../elsewhere/missing-{name}"),
        (f"link-out/{name}", f"link-out/missing-{name}"),
        (f"{team.root}/link-out/../link-out/{name}", f"{team.root}/link-out/missing-{name}"),
    ]


def _refusals(team: Team, subject: str) -> list[dict[str, object]]:
    with patched_environment(team.env):
        entries, _ = audit_entries(
            ctx_of(load_settings(team.root)),
            "auditor@x",
            limit=1000,
            action="operation.refused",
            subject=subject,
        )
    return entries


async def test_a_report_outside_the_project_is_refused_alike_whether_it_exists(
    team: Team, url: str | None, links: None
) -> None:
    pairs = [*_outside(team, "note.md"), ("note-link.md", "dangling.md")]
    async with mcp_agent(team, "agent-a", url) as agent:
        for there, missing in pairs:
            answers = []
            for given in (there, missing):
                answer = await agent.call_tool(
                    "verify_claims", {"report": given, "project": str(team.root)}
                )
                assert answer.is_error, (given, answer.structured_content)
                answers.append(_text(answer).replace(repr(given), "PATH"))
                assert SECRET not in _text(answer) and "42" not in _text(answer)
            assert answers[0] == answers[1], pairs
            assert "not inside the project this server serves" in answers[0]
            assert "no such" not in answers[0].lower()
        project = await agent.call_tool(
            "verify_claims", {"report": "README.md", "project": "../elsewhere/project"}
        )
        assert project.is_error and "not inside the project" in _text(project)
    for there, missing in pairs:
        for given in (there, missing):
            entries = _refusals(team, given)
            assert entries and {e["actor"] for e in entries} == {"agent-a"}, given


async def test_certify_outside_the_project_is_refused_and_stores_nothing(
    team: Team, links: None
) -> None:
    with patched_environment(team.env):
        settings = load_settings(team.root)
    before = {r.id for r in list_runs(ctx_of(settings), limit=200)}
    elsewhere = team.root.parent / "elsewhere"
    pairs = [
        (str(elsewhere / "project"), str(elsewhere / "no-project")),
        ("../elsewhere/project", "../elsewhere/no-project"),
        ("link-out/project", "link-out/no-project"),
    ]
    async with mcp_agent(team, "agent-a", None) as agent:
        for pair in pairs:
            answers = []
            for given in pair:
                answer = await agent.call_tool("certify_project", {"path": given})
                assert answer.is_error, (given, answer.structured_content)
                answers.append(_text(answer).replace(repr(given), "PATH"))
            assert answers[0] == answers[1]
            assert "not inside the project this server serves" in answers[0]
    assert {r.id for r in list_runs(ctx_of(settings), limit=200)} == before
    assert all(_refusals(team, given) for pair in pairs for given in pair)


async def test_scan_needs_the_certify_permission_and_a_path_inside(team: Team) -> None:
    async with mcp_agent(team, "auditor@x", None) as auditor:
        denied = await auditor.call_tool("scan_dependencies", {"path": str(team.root)})
        assert denied.is_error and "may not certify" in _text(denied)
    assert any(e["actor"] == "auditor@x" for e in _refusals(team, "shipping-quotes"))
    async with mcp_agent(team, "qa@x", None) as qa:
        for there, missing in _outside(team, "project")[:2]:
            answers = []
            for given in (there, missing):
                answer = await qa.call_tool("scan_dependencies", {"path": given})
                assert answer.is_error, (given, answer.structured_content)
                answers.append(_text(answer).replace(repr(given), "PATH"))
            assert answers[0] == answers[1]
            assert "not inside the project this server serves" in answers[0]
            assert _refusals(team, there) and _refusals(team, missing)


async def test_paths_inside_the_project_still_work_and_are_audited(team: Team) -> None:
    notes = team.root / "notes"
    notes.mkdir(exist_ok=True)
    (notes / "DONE.md").write_text("# Done\n\nAll 10 tests pass.\n", encoding="utf-8")
    try:
        async with mcp_agent(team, "qa@x", None) as qa:
            for report, project in (("notes/DONE.md", "."), (str(notes / "DONE.md"), "")):
                claims = await qa.call_tool("verify_claims", {"report": report, "project": project})
                assert not claims.is_error, _text(claims)
                assert claims.structured_content["summary"]["claims"] >= 1
            missing = await qa.call_tool(
                "verify_claims", {"report": "notes/NOT-THERE.md", "project": "."}
            )
            assert missing.is_error and "not inside the project" not in _text(missing)
            scanned = await qa.call_tool("scan_dependencies", {"path": "."})
            assert not scanned.is_error and "status" in scanned.structured_content
    finally:
        shutil.rmtree(notes)
    with patched_environment(team.env):
        entries, _ = audit_entries(
            ctx_of(load_settings(team.root)), "auditor@x", limit=1000, subject="shipping-quotes"
        )
    done = [e["action"] for e in entries if e["actor"] == "qa@x"]
    assert done.count("claims.verified") >= 2 and "dependencies.scanned" in done


async def test_the_rest_api_answers_403_and_shows_the_refusal(team: Team) -> None:
    """No /api/v1 route takes a server path today: a route that confines one answers the
    refusal as a 403 problem document, and the audit routes show the refusals."""
    with patched_environment(team.env):
        app = create_app(load_settings(team.root))

    @app.get("/api/v1/test-confined")
    def confined(who: CurrentCaller, path: str) -> dict[str, str]:
        now = datetime.now(UTC)
        return {"path": str(confine(who.ctx, who.name, path, Operation.CERTIFY, now))}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://assay.test") as api:
        details = []
        for given in ("../elsewhere/note.md", "../elsewhere/api-missing.md"):
            answer = await api.get(
                "/api/v1/test-confined", params={"path": given}, headers=team.auth("dev@x")
            )
            assert answer.status_code == 403
            assert answer.headers["content-type"] == "application/problem+json"
            problem = answer.json()
            assert problem["type"] == "https://assay.dev/problems/" + OutsideProject.__name__
            details.append(problem["detail"].replace(repr(given), "PATH"))
        assert details[0] == details[1]
        inside = await api.get(
            "/api/v1/test-confined", params={"path": "pyproject.toml"}, headers=team.auth("dev@x")
        )
        assert inside.status_code == 200
        assert Path(inside.json()["path"]) == (team.root / "pyproject.toml").resolve()
        state = await api.get(
            "/api/v1/test-confined", params={"path": ".assay/assay.db"}, headers=team.auth("dev@x")
        )
        assert state.status_code == 403
        audit = await api.get(
            "/api/v1/audit/entries",
            params={"action": "operation.refused", "subject": "../elsewhere/api-missing.md"},
            headers=team.auth("auditor@x"),
        )
        assert audit.status_code == 200, audit.text
        assert [e["actor"] for e in audit.json()["items"]] == ["dev@x"]
