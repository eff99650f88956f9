"""Issue 19, finding 6: one admin cannot defeat separation of duties alone. A token that can
sign off, minted by an admin for someone else, acts only after a second admin approves it;
a principal may mint its own; `signoff --as` names the acting principal or is refused (and
the refusal is audited); custom sign-off roles from `[signoff] roles` can be given to
principals and signed for."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assay.core.signoff import Decision
from assay.services.access import (
    PermissionRefused,
    Unauthenticated,
    add_principal,
    approve_token,
    identify,
    issue_token,
    list_tokens,
)
from assay.services.audit import export_jsonl
from assay.services.certify import certify
from assay.services.releases import create_release, release_status, sign_off
from assay.settings import load_settings
from conftest import ctx_of, run_assay

NOW = datetime.now(UTC)


@pytest.fixture
def governed(tmp_path: Path, store_url: str) -> Path:
    """A tiny project certified once, release 1.0 needing qa and legal_counsel (a custom
    role), two admins and a few signers."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "requirements.txt").write_text("attrs==24.2.0\n", encoding="utf-8")
    (project / "assay.toml").write_text(
        f'[store]\nurl = "{store_url}"\n\n[signoff]\nroles = {{qa = 1, legal_counsel = 1}}\n',
        encoding="utf-8",
    )
    settings = load_settings(project)
    certify(project, ctx_of(settings), author="ci@x")
    create_release(ctx_of(settings), project, "1.0", run=None, by="ci@x", now=NOW)
    add_principal(ctx_of(settings), "root@x", "root@x", "person", ["admin"], NOW)  # bootstrap
    add_principal(ctx_of(settings), "root@x", "second@x", "person", ["admin"], NOW)
    add_principal(ctx_of(settings), "root@x", "alice@x", "person", ["qa"], NOW)
    add_principal(ctx_of(settings), "root@x", "bob@x", "person", ["qa"], NOW)
    add_principal(ctx_of(settings), "root@x", "counsel@x", "person", ["legal_counsel"], NOW)
    return project


def _audit(project: Path) -> list[dict[str, object]]:
    settings = load_settings(project)
    return [e for e in map(json.loads, export_jsonl(ctx_of(settings), "root@x")) if "action" in e]


def test_a_sign_off_token_for_someone_else_needs_a_second_admin(governed: Path) -> None:
    settings = load_settings(governed)
    minted = issue_token(ctx_of(settings), "root@x", "alice@x", ["*"], 30, NOW)
    assert minted.pending
    with pytest.raises(Unauthenticated, match="awaiting a second admin's approval"):
        identify(ctx_of(settings), minted.token, NOW)
    with pytest.raises(PermissionRefused, match="a second admin approves it"):
        approve_token(ctx_of(settings), "root@x", minted.id, NOW)
    with pytest.raises(PermissionRefused, match=r"may not token\.issue"):
        approve_token(ctx_of(settings), "alice@x", minted.id, NOW)  # its principal, not an admin
    assert approve_token(ctx_of(settings), "second@x", minted.id, NOW) == "alice@x"
    assert identify(ctx_of(settings), minted.token, NOW).name == "alice@x"
    listed = {t["id"]: t for t in list_tokens(ctx_of(settings), "root@x", NOW)}
    assert listed[minted.id]["approved_by"] == "second@x" and not listed[minted.id]["pending"]

    # A token that cannot sign off, or one a principal mints for itself, acts at once.
    narrow = issue_token(ctx_of(settings), "root@x", "bob@x", ["certify"], 30, NOW)
    own = issue_token(ctx_of(settings), "bob@x", "bob@x", ["*"], 30, NOW)
    assert not narrow.pending and not own.pending
    assert identify(ctx_of(settings), own.token, NOW).name == "bob@x"
    # ... but a principal mints tokens for itself only.
    with pytest.raises(PermissionRefused, match=r"may not token\.issue"):
        issue_token(ctx_of(settings), "bob@x", "alice@x", ["*"], 30, NOW)

    entries = _audit(governed)
    refused = [e for e in entries if e["action"] == "operation.refused"]
    assert [e["actor"] for e in refused] == ["root@x", "alice@x", "bob@x"]
    approved = [e for e in entries if e["action"] == "token.approved"]
    assert [(e["actor"], e["subject"]) for e in approved] == [("second@x", "alice@x")]


def test_signoff_as_someone_else_is_refused_and_audited(governed: Path) -> None:
    as_bob = run_assay(
        "signoff", "1.0", "--role", "qa", "--as", "bob@x", "--approve", "-C", governed,
        env={"ASSAY_PRINCIPAL": "alice@x"},
    )  # fmt: skip
    assert as_bob.code == 1 and "alice@x may not sign as bob@x" in as_bob.err
    assert "error:" in as_bob.err and "hint:" in as_bob.err
    status = release_status(ctx_of(load_settings(governed)), governed, "1.0", NOW)
    assert status.signoffs == ()
    (refusal,) = [e for e in _audit(governed) if e["action"] == "operation.refused"]
    assert refusal["actor"] == "alice@x" and refusal["subject"] == "app@1.0"

    as_self = run_assay(
        "signoff", "1.0", "--role", "qa", "--as", "alice@x", "--approve", "-C", governed,
        env={"ASSAY_PRINCIPAL": "alice@x"},
    )  # fmt: skip
    assert as_self.code == 0, as_self.err
    recorded = [e for e in _audit(governed) if e["action"] == "signoff.recorded"]
    assert [e["actor"] for e in recorded] == ["alice@x"]


def test_custom_sign_off_roles_are_assignable_and_signed(governed: Path) -> None:
    settings = load_settings(governed)
    sign_off(
        ctx_of(settings),
        governed,
        "1.0",
        role="legal_counsel",
        actor="counsel@x",
        decision=Decision.APPROVE,
        condition=None,
        due=None,
        now=NOW,
    )
    with pytest.raises(PermissionRefused, match="does not hold the role qa"):
        sign_off(
            ctx_of(settings),
            governed,
            "1.0",
            role="qa",
            actor="counsel@x",
            decision=Decision.APPROVE,
            condition=None,
            due=None,
            now=NOW,
        )
    roles = {
        r.role: r.approved_by for r in release_status(ctx_of(settings), governed, "1.0", NOW).roles
    }
    assert roles == {"qa": (), "legal_counsel": ("counsel@x",)}
    unknown = run_assay(
        "principal", "add", "x@x", "--role", "cfo", "-C", governed,
        env={"ASSAY_PRINCIPAL": "root@x"},
    )  # fmt: skip
    assert unknown.code == 2 and "'cfo' is not a role" in unknown.err
    assert "legal_counsel" in unknown.err
