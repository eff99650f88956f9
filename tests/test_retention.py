"""Retention and legal hold on a real store: purge, hold, tombstones, audit and packages."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import ready_project
from assay.core.retention import Decision, Hold, Piece, Rule, plan_retention
from assay.core.signoff import Decision as Vote
from assay.services.audit import verify_log
from assay.services.certificates import issue_certificate
from assay.services.compliance.package import build_package
from assay.services.compliance.package_verify import verify_package
from assay.services.compliance.status import compliance_status
from assay.services.releases import create_release, sign_off
from assay.services.retention import (
    apply_retention,
    list_holds,
    place_hold,
    release_hold,
    retention_plan,
)
from assay.settings import load_settings
from assay.signing.keys import key_id
from conftest import ctx_of, run_assay

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _piece(ident: str, kind: str, days_old: int, **kw: object) -> Piece:
    return Piece(
        ident,
        "p",
        "run",
        kind,
        f"sha-{ident}",
        T0 - timedelta(days=days_old),
        **kw,  # type: ignore[arg-type]
    )


def test_the_longest_covering_policy_decides_and_holds_win() -> None:
    rules = [
        Rule("release-evidence", 2557, scope="released"),
        Rule("unreleased", 365, scope="unreleased"),
        Rule("raw-load", 90, kinds=("load-tests",), scope="unreleased"),
        Rule("soc2", 4000, frameworks=("soc2",)),
    ]
    pieces = [
        _piece("a", "load-tests", 100),  # raw-load says go, unreleased (365) keeps it
        _piece("b", "load-tests", 400),  # both ran out
        _piece("c", "tests", 3000, releases=("1.0",)),  # 7 years ran out
        _piece("d", "tests", 3000, releases=("1.0",), frameworks=("soc2",)),  # 11 years
        _piece("e", "tests", 400, releases=()),
        Piece("f", "q", "run", "tests", "sha-f", T0 - timedelta(days=9000)),  # held project
        _piece("g", "tests", 9000, purged=True),
    ]
    plan = plan_retention(pieces, rules, [Hold("h1", "q", None, "litigation", "legal")], T0)
    decided = {k.piece.id: (k.decision, k.policy) for k in plan.items}
    assert decided["a"] == (Decision.KEEP, "unreleased")
    assert decided["b"] == (Decision.PURGE, "unreleased")
    assert decided["c"] == (Decision.PURGE, "release-evidence")
    assert decided["d"] == (Decision.KEEP, "soc2")
    assert decided["e"] == (Decision.PURGE, "unreleased")
    assert decided["f"][0] is Decision.HELD
    assert decided["g"][0] is Decision.PURGED
    # No policy covers it: kept. A blob shared with kept evidence is not deleted.
    lone = plan_retention([_piece("x", "tests", 9000)], [], [], T0)
    assert lone.items[0].decision is Decision.KEEP
    shared = [_piece("y", "tests", 400), Piece("z", "p", "r", "tests", "sha-y", T0)]
    assert plan_retention(shared, rules, [], T0).blobs_to_delete == ()


@pytest.fixture
def ledger(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The ready ledger project: run 1 released as 0.9.0, run 2 released as 1.0.0 with a
    certificate."""
    root = tmp_path / "ledger"
    root.mkdir()
    ready_project.build(root, store_url=store_url)
    for name, value in ready_project.environment(root).items():
        monkeypatch.setenv(name, value)
    config = root / "assay.toml"
    config.write_text(config.read_text() + "\n[signoff]\nroles = {qa = 1}\n", encoding="utf-8")
    first = ready_project.certify(root)
    run = first["run"]
    assert isinstance(run, dict)
    assert run_assay("runs", "baseline", run["id"], "-C", root).code == 0
    ctx = ctx_of(load_settings(root))
    now = datetime.now(UTC)
    create_release(ctx, root, "0.9.0", run=run["id"], by="rm", now=now)
    assert ready_project.certify(root)["verdict"] == "ready"
    create_release(ctx, root, "1.0.0", run=None, by="rm", now=now)
    sign_off(
        ctx, root, "1.0.0", role="qa", actor="qa@x", decision=Vote.APPROVE,
        condition=None, due=None, now=now,
    )  # fmt: skip
    issue_certificate(ctx, root, "1.0.0", now=now, output=tmp_path / "certificate")
    return root


def test_purge_keeps_held_evidence_and_leaves_audit_and_packages_verifiable(
    ledger: Path,
) -> None:
    ctx = ctx_of(load_settings(ledger))
    store = ctx.store(create=False)
    later = datetime.now(UTC) + timedelta(days=8 * 365)
    before = build_package(ctx, ledger, "1.0.0", now=datetime.now(UTC))
    key = ctx.settings  # the signing key's public half, as the auditor has it
    from assay.services.signing import key_ring

    public = key_ring(key).all_public()
    trusted = {key_id(k): k for k in public.values()}
    assert verify_package(before.data, trusted).ok

    hold = place_hold(
        ctx, "ledger", release="0.9.0", reason="dispute 2026-14", owner="legal@x", now=later
    )
    plan = retention_plan(ctx, later)
    by_release = {k.piece.releases: k.decision for k in plan.items}
    assert by_release[("1.0.0",)] is Decision.PURGE
    assert by_release[("0.9.0",)] is Decision.HELD
    assert hold.id[:8] in next(k.reason for k in plan.items if k.decision is Decision.HELD)

    applied = apply_retention(ctx, later)
    assert len(applied.purged) == len(plan.of(Decision.PURGE)) > 0
    held = {k.piece.sha256 for k in plan.of(Decision.HELD)}
    for item in plan.of(Decision.PURGE):
        assert store.locker.has(item.piece.sha256) == (item.piece.sha256 in held)
    for item in plan.of(Decision.HELD):
        assert store.locker.has(item.piece.sha256)
    assert set(applied.blobs_deleted) == {k.piece.sha256 for k in plan.of(Decision.PURGE)} - held

    report = verify_log(ctx)
    assert report.ok, report.problems
    assert verify_package(before.data, trusted).ok  # the package made before still verifies
    after = build_package(ctx, ledger, "1.0.0", now=later)
    check = verify_package(after.data, trusted)
    assert check.ok, check.problems
    assert after.purged > 0 and check.facts["certificates"] == 1
    statuses = compliance_status(ctx, ledger, release="1.0.0", frameworks=["ssdf"], now=later)
    gone = [m for c in statuses[0].controls for m in c.missing if "purged under" in m]
    assert gone and "release-evidence" in gone[0]
    assert apply_retention(ctx, later).purged == ()  # nothing left to purge


KILLED = """
import sys
from datetime import datetime
from pathlib import Path
from assay.core.caller import Caller
from assay.services.context import open_context
from assay.services.retention import apply_retention
from assay.settings import load_settings

ctx = open_context(load_settings(Path(sys.argv[1])), Caller("local"))
print("start", flush=True)
apply_retention(ctx, datetime.fromisoformat(sys.argv[2]))
"""


def test_a_purge_killed_part_way_leaves_a_consistent_store(
    example_project: Path, tmp_path: Path
) -> None:
    for _ in range(2):
        assert run_assay("certify", "-C", example_project).code == 1
    later = (datetime.now(UTC) + timedelta(days=800)).isoformat()
    database = example_project / ".assay" / "assay.db"
    script = tmp_path / "purge.py"
    script.write_text(KILLED, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(script), str(example_project), later],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "start"
    deadline = time.monotonic() + 60
    stones = 0
    while time.monotonic() < deadline and child.poll() is None:
        with sqlite3.connect(database, timeout=5) as db:
            stones = db.execute("select count(*) from evidence_tombstones").fetchone()[0]
        if stones:
            break
        time.sleep(0.002)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with sqlite3.connect(database) as db:
        stones = db.execute("select count(*) from evidence_tombstones").fetchone()[0]
        total = db.execute("select count(*) from evidence").fetchone()[0]
    assert 0 < stones < total, (stones, total)  # it was killed part-way

    ctx = ctx_of(load_settings(example_project))
    report = verify_log(ctx)
    assert report.ok, report.problems  # every row has its blob or a recorded tombstone
    applied = apply_retention(ctx, datetime.fromisoformat(later))
    assert len(applied.purged) == total - stones
    store = ctx.store(create=False)
    assert not any(
        store.locker.has(k.piece.sha256)
        for k in retention_plan(ctx, datetime.fromisoformat(later)).items
    )
    assert verify_log(ctx).ok


def test_the_retention_commands_as_a_user_runs_them(example_project: Path) -> None:
    project = example_project
    assert run_assay("certify", "-C", project).code == 1
    planned = run_assay("retention", "plan", "-C", project, "-f", "json")
    assert planned.code == 0, planned.err
    body = json.loads(planned.out)
    assert body["counts"]["keep"] == len(body["evidence"]) > 0
    assert {e["policy"] for e in body["evidence"]} == {"unreleased-runs"}

    no_owner = run_assay("retention", "hold", "--reason", "dispute", "--owner", " ", "-C", project)
    assert no_owner.code == 2 and "needs a reason and an owner" in no_owner.err
    placed = run_assay(
        "retention", "hold", "--reason", "dispute 14", "--owner", "legal@x", "-C", project
    )
    assert placed.code == 0, placed.err
    listed = json.loads(run_assay("retention", "holds", "-C", project, "-f", "json").out)
    assert [h["reason"] for h in listed] == ["dispute 14"]
    released = run_assay("retention", "release", listed[0]["id"][:8], "-C", project)
    assert released.code == 0 and "released legal hold" in released.out
    applied = run_assay("retention", "apply", "-C", project)
    assert applied.code == 0 and "purged 0 piece(s)" in applied.out
    config = project / "assay.toml"
    config.write_text('[[retention.policies]]\nname = "ever"\ndays = 100000000\n', "utf-8")
    bad = run_assay("retention", "plan", "-C", project)
    assert bad.code == 2 and "retention" in bad.err and "days" in bad.err, bad.err

    # The same mistakes through the services the commands call (no process each).
    from assay.errors import ConfigError, NotFoundError

    config.write_text("", "utf-8")
    ctx = ctx_of(load_settings(project))
    assert list_holds(ctx) == []
    with pytest.raises(NotFoundError, match="no release nope"):
        place_hold(ctx, "shipping-quotes", release="nope", reason="x", owner="y", now=T0)
    with pytest.raises(NotFoundError, match="no project elsewhere"):
        place_hold(ctx, "elsewhere", release=None, reason="x", owner="y", now=T0)
    with pytest.raises(NotFoundError, match="no active legal hold"):
        release_hold(ctx, "ffffffff", now=T0)
    config.write_text('[[retention.policies]]\nname = "none"\ndays = 0\n', "utf-8")
    with pytest.raises(ConfigError, match="days"):
        load_settings(project)


def test_a_hold_placed_while_a_purge_runs_keeps_its_evidence(
    example_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan is made, then a hold is committed, then the purge goes piece by piece: each
    piece's transaction sees the hold."""
    import assay.services.retention as retention

    assert run_assay("certify", "-C", example_project).code == 1
    ctx = ctx_of(load_settings(example_project))
    later = datetime.now(UTC) + timedelta(days=800)
    made = retention.retention_plan

    def plan_then_hold(context: object, now: datetime) -> object:
        plan = made(ctx, now)
        place_hold(ctx, "shipping-quotes", release=None, reason="late", owner="legal@x", now=now)
        return plan

    monkeypatch.setattr(retention, "retention_plan", plan_then_hold)
    applied = apply_retention(ctx, later)
    assert applied.purged == () and applied.blobs_deleted == ()
    monkeypatch.undo()
    assert {k.decision for k in retention_plan(ctx, later).items} == {Decision.HELD}


def test_a_release_rebound_to_a_newer_run_keeps_the_run_it_was_signed_on(
    example_project: Path,
) -> None:
    for _ in range(2):
        done = run_assay("certify", "-C", example_project, "--author", "ci@x")
        assert done.code == 1, done.err
    ctx = ctx_of(load_settings(example_project))
    now = datetime.now(UTC)
    from assay.services.releases import update_release
    from assay.store.repositories import list_runs

    with ctx.store(create=False).transaction() as session:
        newest, older = [r.id for r in list_runs(session, 2, "shipping-quotes")]
    create_release(ctx, example_project, "1.0", run=older, by="rm", now=now)
    sign_off(
        ctx, example_project, "1.0", role="qa", actor="qa@x", decision=Vote.APPROVE,
        condition=None, due=None, now=now,
    )  # fmt: skip
    update_release(ctx, example_project, "1.0", run=newest, by="rm", now=now)
    plan = retention_plan(ctx, now + timedelta(days=400))
    by_run = {k.piece.run: (k.piece.releases, k.decision, k.policy) for k in plan.items}
    assert by_run[older] == (("1.0",), Decision.KEEP, "release-evidence")
    assert by_run[newest] == (("1.0",), Decision.KEEP, "release-evidence")
