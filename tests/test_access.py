"""Principals and permissions on every service operation, tokens, lockdowns, incidents."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assay.core.access import PERMISSIONS, Operation, Role, Scope, bearer_token
from assay.core.handoff import Action
from assay.core.signoff import Decision
from assay.errors import AssayError
from assay.services.access import (
    LockedDown,
    PermissionRefused,
    add_principal,
    issue_token,
    revoke_token,
    suspend_principal,
)
from assay.services.audit import export_jsonl, verify_log
from assay.services.certificates import issue_certificate, revoke_certificate
from assay.services.certify import certify
from assay.services.handoffs import HandoffSpec, create_handoff, transition
from assay.services.lockdown import (
    lift_lockdown,
    list_incidents,
    open_incident,
    start_lockdown,
    update_incident,
)
from assay.services.performance import mark_baseline
from assay.services.releases import create_release, sign_off, update_release
from assay.services.retention import apply_retention, place_hold
from assay.services.vulndb import import_export
from assay.settings import Settings, load_settings
from conftest import ctx_of, run_assay

NOW = datetime.now(UTC)
SIGNING_ROLES = {"developer", "tech_lead", "qa", "security", "product_owner", "architect"}


@pytest.fixture
def governed(tmp_path: Path, store_url: str) -> Path:
    """A tiny project certified once, release 1.0, an admin and one principal per role."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "requirements.txt").write_text("attrs==24.2.0\n", encoding="utf-8")
    (project / "assay.toml").write_text(f'[store]\nurl = "{store_url}"\n', encoding="utf-8")
    settings = load_settings(project)
    certify(project, ctx_of(settings), author="ci@x")
    create_release(ctx_of(settings), project, "1.0", run=None, by="ci@x", now=NOW)
    add_principal(ctx_of(settings), "root@x", "root@x", "person", ["admin"], NOW)  # bootstrap
    for role in Role:
        kind = "agent" if role is Role.AGENT else "person"
        add_principal(ctx_of(settings), "root@x", f"{role.value}@x", kind, [role.value], NOW)
    return project


def _operations(project: Path, settings: Settings) -> dict[Operation, Callable[[str], object]]:
    """One real call per service operation, made as the given principal."""

    def role_of(actor: str) -> str:
        role = actor.split("@")[0]
        return role if role in SIGNING_ROLES else "qa"

    # An offered hand-off: starting or approving it is refused by its state, so only the
    # permission check can refuse it as a PermissionRefused.
    work = {"project": "matrix", "criteria": [{"check": "tests_pass"}]}
    offered = create_handoff(
        ctx_of(settings), "root@x", HandoffSpec("matrix", assignee="qa@x", **work), NOW
    ).id

    return {
        Operation.CERTIFY: lambda a: certify(project, ctx_of(settings), author=a),
        Operation.MARK_BASELINE: lambda a: mark_baseline(ctx_of(settings), "0000", actor=a),
        Operation.IMPORT_VULNERABILITIES: lambda a: import_export(
            ctx_of(settings), project / "missing.zip", actor=a
        ),
        Operation.CREATE_RELEASE: lambda a: create_release(
            ctx_of(settings), project, f"r-{a}", run=None, by=a, now=NOW
        ),
        Operation.UPDATE_RELEASE: lambda a: update_release(
            ctx_of(settings), project, "1.0", run=None, now=NOW, by=a
        ),
        Operation.SIGN_OFF: lambda a: sign_off(
            ctx_of(settings),
            project,
            "1.0",
            role=role_of(a),
            actor=a,
            decision=Decision.APPROVE,
            condition=None,
            due=None,
            now=NOW,
        ),
        Operation.ISSUE_CERTIFICATE: lambda a: issue_certificate(
            ctx_of(settings), project, "1.0", now=NOW, actor=a
        ),
        Operation.REVOKE_CERTIFICATE: lambda a: revoke_certificate(
            ctx_of(settings), "ffff", "test", now=NOW, actor=a
        ),
        Operation.READ_AUDIT: lambda a: verify_log(ctx_of(settings), a),
        Operation.ADD_PRINCIPAL: lambda a: add_principal(
            ctx_of(settings), a, f"new-{a}", "person", ["qa"], NOW
        ),
        Operation.SUSPEND_PRINCIPAL: lambda a: suspend_principal(
            ctx_of(settings), a, "nobody@x", NOW
        ),
        Operation.ISSUE_TOKEN: lambda a: issue_token(
            ctx_of(settings), a, "nobody@x", ["*"], 1, NOW
        ),
        Operation.REVOKE_TOKEN: lambda a: revoke_token(ctx_of(settings), a, "no-such-token", NOW),
        Operation.START_LOCKDOWN: lambda a: start_lockdown(
            ctx_of(settings),
            a,
            level=1,
            scope=Scope.RELEASE,
            target="other@0",
            reason="drill",
            now=NOW,
        ),
        Operation.LIFT_LOCKDOWN: lambda a: lift_lockdown(
            ctx_of(settings), a, "no-such", "drill", NOW
        ),
        Operation.OPEN_INCIDENT: lambda a: open_incident(
            ctx_of(settings), a, type="drill", severity="low", title="drill", now=NOW
        ),
        Operation.UPDATE_INCIDENT: lambda a: update_incident(
            ctx_of(settings), a, "INC-00000000-000", status="investigating", note="x", now=NOW
        ),
        Operation.CREATE_HANDOFF: lambda a: create_handoff(
            ctx_of(settings), a, HandoffSpec("work", assignee="qa@x", **work), NOW
        ),
        Operation.WORK_HANDOFF: lambda a: transition(
            ctx_of(settings), a, offered, Action.START, NOW
        ),
        Operation.REVIEW_HANDOFF: lambda a: transition(
            ctx_of(settings), a, offered, Action.APPROVE, NOW
        ),
        Operation.APPLY_RETENTION: lambda a: apply_retention(ctx_of(settings), NOW, a),
        Operation.LEGAL_HOLD: lambda a: place_hold(
            ctx_of(settings),
            "matrix",
            release=None,
            reason="drill",
            owner="legal@x",
            now=NOW,
            actor=a,
        ),
    }


def _outcome(call: Callable[[str], object], actor: str) -> bool:
    """True when the permission check let the actor through (whatever happened next)."""
    try:
        call(actor)
    except PermissionRefused:
        return False
    except AssayError:
        return True
    return True


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer assay_abc", "assay_abc"),
        ("bearer assay_abc", "assay_abc"),
        ("BEARER   assay_abc  ", "assay_abc"),
        ("Bearer ", None),
        ("Bearer    ", None),
        ("Bearerassay_abc", None),
        ("Basic dXNlcjpwYXNz", None),
        ("", None),
        (None, None),
    ],
)
def test_the_bearer_token_is_read_from_the_authorization_header(
    header: str | None, token: str | None
) -> None:
    assert bearer_token(header) == token


def test_the_permission_matrix_holds_for_every_operation_and_role(governed: Path) -> None:
    settings = load_settings(governed)
    operations = _operations(governed, settings)
    assert set(operations) == set(Operation) == set(PERMISSIONS)
    wrong = []
    for operation, call in operations.items():
        for role in Role:
            allowed = _outcome(call, f"{role.value}@x")
            if allowed != (role in PERMISSIONS[operation]):
                wrong.append(
                    f"{role.value} {operation.value}: {'allowed' if allowed else 'refused'}"
                )
    assert wrong == []
    with pytest.raises(PermissionRefused, match="not a principal"):
        operations[Operation.CERTIFY]("stranger@x")
    refusals = [json.loads(line) for line in export_jsonl(ctx_of(settings), "root@x")]
    assert sum(e.get("action") == "operation.refused" for e in refusals) > 50


def test_a_signer_must_hold_the_role_signed(governed: Path) -> None:
    settings = load_settings(governed)
    with pytest.raises(PermissionRefused, match="does not hold the role security"):
        sign_off(
            ctx_of(settings),
            governed,
            "1.0",
            role="security",
            actor="qa@x",
            decision=Decision.APPROVE,
            condition=None,
            due=None,
            now=NOW,
        )


def test_tokens_identify_agents_and_expire_or_get_revoked(governed: Path) -> None:
    settings = load_settings(governed)
    issued = issue_token(ctx_of(settings), "root@x", "agent@x", ["certify"], 30, NOW)
    as_agent = {"ASSAY_TOKEN": issued.token, "ASSAY_PRINCIPAL": "whoever@x"}
    done = run_assay("certify", governed, env=as_agent)
    assert done.code == 1 and "refused" not in done.err  # certified (not ready): allowed
    release = run_assay("release", "create", "2.0", "-C", governed, env=as_agent)
    assert release.code == 1 and "do not include release.create" in release.err
    revoke_token(ctx_of(settings), "root@x", issued.id, NOW)
    revoked = run_assay("certify", governed, env=as_agent)
    # One answer for unknown, expired and revoked tokens; the owner sees which in the list.
    assert revoked.code == 1 and "the API token is not valid" in revoked.err
    expired = issue_token(ctx_of(settings), "root@x", "agent@x", ["*"], 1, NOW - timedelta(days=2))
    late = run_assay("certify", governed, env={"ASSAY_TOKEN": expired.token})
    assert late.code == 1 and late.err == revoked.err
    states = run_assay(
        "token", "list", "-C", governed, "-f", "json", env={"ASSAY_PRINCIPAL": "root@x"}
    )
    listed = {row["id"]: row for row in json.loads(states.out)}
    assert listed[issued.id]["principal"] == "agent@x" and listed[issued.id]["revoked"]
    assert listed[issued.id]["scopes"] == "certify"
    stored = json.dumps([json.loads(line) for line in export_jsonl(ctx_of(settings), "root@x")])
    assert issued.token not in stored and expired.token not in stored


FROZEN = {
    1: {Operation.CERTIFY, Operation.SIGN_OFF, Operation.ISSUE_CERTIFICATE},
    2: {Operation.CERTIFY, Operation.SIGN_OFF, Operation.ISSUE_CERTIFICATE},
    3: set(Operation) - {Operation.LIFT_LOCKDOWN, Operation.READ_AUDIT},
}


@pytest.mark.parametrize("level", [1, 2, 3])
def test_each_lockdown_level_refuses_what_it_freezes_and_lifting_restores(
    governed: Path, level: int
) -> None:
    settings = load_settings(governed)
    token = issue_token(ctx_of(settings), "root@x", "agent@x", ["*"], 30, NOW)
    project = "app"
    info = start_lockdown(
        ctx_of(settings),
        "security@x",
        level=level,
        scope=Scope.PROJECT,
        target=project,
        reason="suspected tampering",
        now=NOW,
    )
    incidents = {i["id"]: i for i in list_incidents(ctx_of(settings))}
    assert incidents[info.incident]["severity"] == {1: "medium", 2: "high", 3: "critical"}[level]
    assert (info.suspended == ["agent@x"]) == (level >= 2)
    operations = _operations(governed, settings)
    refused = set()
    for operation, call in operations.items():
        actor = next(f"{r.value}@x" for r in Role if r in PERMISSIONS[operation])
        try:
            call(actor)
        except LockedDown as exc:
            assert f"level {level} lockdown of {project}" in exc.message
            assert info.incident in exc.message
            refused.add(operation)
        except AssayError:
            pass
    in_scope = {
        Operation.CERTIFY,
        Operation.SIGN_OFF,
        Operation.ISSUE_CERTIFICATE,
        Operation.CREATE_RELEASE,
        Operation.UPDATE_RELEASE,
    }
    expected = FROZEN[level] & in_scope
    assert refused == expected, (level, refused ^ expected)
    entries = [json.loads(line) for line in export_jsonl(ctx_of(settings), "auditor@x")][:-1]
    assert sum(e["action"] == "operation.refused" for e in entries) >= len(expected)
    agent = run_assay("certify", governed, env={"ASSAY_TOKEN": token.token})
    if level >= 2:
        assert "the API token is not valid" in agent.err  # level 2 revoked the agent's tokens
    with pytest.raises(PermissionRefused):
        lift_lockdown(
            ctx_of(settings), "qa@x", info.id, "fixed", NOW
        )  # lifting needs admin/security
    lift_lockdown(ctx_of(settings), "admin@x", info.id, "checked and clean", NOW)
    certify(governed, ctx_of(settings), author="developer@x")  # allowed again
    timeline = {i["id"]: i for i in list_incidents(ctx_of(settings))}[info.incident]["timeline"]
    assert timeline[-1]["note"] == "lockdown lifted: checked and clean"
    statuses = {row.name: row.status for row in _principals(settings)}
    assert statuses["agent@x"] == "active"
    assert verify_log(ctx_of(settings), "auditor@x").ok


def _principals(settings: Settings):  # type: ignore[no-untyped-def]
    from assay.services.access import list_principals

    return list_principals(ctx_of(settings))


def test_a_global_level_3_lockdown_leaves_only_lifting(governed: Path) -> None:
    settings = load_settings(governed)
    info = start_lockdown(
        ctx_of(settings),
        "admin@x",
        level=3,
        scope=Scope.GLOBAL,
        target=None,
        reason="breach",
        now=NOW,
    )
    with pytest.raises(LockedDown):
        add_principal(ctx_of(settings), "admin@x", "late@x", "person", ["qa"], NOW)
    with pytest.raises(LockedDown):
        open_incident(ctx_of(settings), "qa@x", type="x", severity="low", title="x", now=NOW)
    assert verify_log(ctx_of(settings), "auditor@x").ok  # reading goes on
    lift_lockdown(ctx_of(settings), "security@x", info.id, "contained", NOW)
    add_principal(ctx_of(settings), "admin@x", "late@x", "person", ["qa"], NOW)


OPENER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from assay.core.caller import Caller
from assay.services.context import open_context
from assay.services.lockdown import open_incident
from assay.settings import load_settings

start = float(sys.argv[2])
while datetime.now(UTC).timestamp() < start:
    pass
context = open_context(load_settings(Path(sys.argv[1])), Caller("qa@x"))
for _ in range(5):
    print(open_incident(context, "qa@x", type="drill", severity="low", title="t",
                        now=datetime.now(UTC)), flush=True)
"""


def test_incident_ids_are_unique_under_concurrency(governed: Path) -> None:
    start = datetime.now(UTC).timestamp() + 2
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPENER, str(governed), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    ids = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        ids += out.split()
    assert len(ids) == 15 and len(set(ids)) == 15
    day = datetime.now(UTC).strftime("%Y%m%d")
    assert sorted(ids) == [f"INC-{day}-{n:03d}" for n in range(1, 16)]


def test_governance_mistakes_are_explained(governed: Path) -> None:
    env = {"ASSAY_PRINCIPAL": "admin@x"}
    bad_role = run_assay("principal", "add", "x@x", "--role", "wizard", "-C", governed, env=env)
    assert bad_role.code == 2 and "roles:" in bad_role.err
    bad_level = run_assay(
        "lockdown", "start", "--level", "4", "--reason", "x", "-C", governed, env=env
    )
    assert bad_level.code == 2 and "1, 2 or 3" in bad_level.err
    no_target = run_assay(
        "lockdown",
        "start",
        "--level",
        "1",
        "--scope",
        "project",
        "--reason",
        "x",
        "-C",
        governed,
        env=env,
    )
    assert no_target.code == 2 and "needs one" in no_target.err
    severity = run_assay(
        "incident",
        "open",
        "--title",
        "x",
        "--severity",
        "dire",
        "--type",
        "x",
        "-C",
        governed,
        env=env,
    )
    assert severity.code == 2 and "low, medium, high, critical" in severity.err
