"""Re-certification: a certificate past its next review is due for review (a note, or a
failure under ``review_overdue = "fail"``), an overdue condition fails it, and
``assay certificate renew`` re-judges the release and signs a successor naming its
predecessor.

Time is moved by issuing in the past: sign-offs and certificates are made through the
services with ``now`` some months ago, so the real ``assay`` command, run now, sees a
certificate past its next review and sign-offs that have expired."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import ready_project
from api_support import add_team, client
from assay.core.review import review_state
from assay.core.signoff import Decision
from assay.services.audit import export_jsonl
from assay.services.audit_log import payload_digest
from assay.services.certificates import IssuedCertificate, get_certificate, issue_certificate
from assay.services.releases import create_release, sign_off
from assay.services.verify import verify_file
from assay.settings import CertificateSettings, load_settings
from conftest import ctx_of, run_assay

# Issued this long ago, a certificate is past its next review (3 months by default) but
# still valid (12 months), and its sign-offs (30 days) have expired.
AGO = timedelta(days=100)
SIGNERS = (("qa", "qa@ledger.example"), ("security", "sec@ledger.example"))


@pytest.fixture(scope="module")
def ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ready ledger project, certified against a baseline, needing qa and security."""
    root = tmp_path_factory.mktemp("renewal") / "ledger"
    root.mkdir()
    ready_project.build(root)
    run = ready_project.certify(root)["run"]
    assert isinstance(run, dict)
    assert run_assay("runs", "baseline", run["id"], "-C", root).code == 0
    report = ready_project.certify(root)
    assert report["verdict"] == "ready", report["gates"]
    with (root / "assay.toml").open("a", encoding="utf-8") as config:
        config.write("\n[signoff]\nroles = {qa = 1, security = 1}\n")
    env = ready_project.environment(root)
    exported = run_assay(
        "keys", "export-public", "-o", root.parent / "issuer.pub", "-C", root, env=env
    )
    assert exported.code == 0, exported.err
    return root


@pytest.fixture
def env(ledger: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The signing key folder and passphrase, for the services in this process too."""
    variables = ready_project.environment(ledger)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables


def _public(ledger: Path) -> Path:
    return ledger.parent / "issuer.pub"


def _ready(
    ledger: Path,
    release: str,
    at: datetime,
    *,
    create: bool = True,
    conditional: tuple[str, date] | None = None,
) -> None:
    """Release ``release`` of the newest run (created at ``at``), signed by qa and security
    at ``at``; qa's approval carries ``conditional`` (text, due date) when given."""
    ctx = ctx_of(load_settings(ledger))
    if create:
        create_release(ctx, ledger, release, run=None, by="rm@ledger.example", now=at)
    for role, signer in SIGNERS:
        condition, due = conditional if conditional and role == "qa" else (None, None)
        sign_off(
            ctx,
            ledger,
            release,
            role=role,
            actor=signer,
            decision=Decision.CONDITIONAL if condition else Decision.APPROVE,
            condition=condition,
            due=due,
            now=at,
        )


def _issue(ledger: Path, release: str, at: datetime, folder: Path) -> IssuedCertificate:
    return issue_certificate(
        ctx_of(load_settings(ledger)), ledger, release, now=at, output=folder, actor="rm@x"
    )


def _predicate(envelope_path: Path | str) -> dict[str, Any]:
    envelope = json.loads(Path(envelope_path).read_text(encoding="utf-8"))
    predicate: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))["predicate"]
    return predicate


def _listed(ledger: Path, env: dict[str, str]) -> dict[str, dict[str, Any]]:
    done = run_assay("certificate", "list", "-C", ledger, "-f", "json", env=env)
    assert done.code == 0, done.err
    return {c["id"]: c for c in json.loads(done.out)}


def test_a_certificate_past_its_next_review_is_due_for_review(
    ledger: Path, env: dict[str, str], tmp_path: Path
) -> None:
    issued_at = datetime.now(UTC).replace(microsecond=0) - AGO
    _ready(ledger, "1.0.0", issued_at)
    issued = _issue(ledger, "1.0.0", issued_at, tmp_path / "c")
    next_review = datetime.fromisoformat(_predicate(issued.envelope_path)["next_review"])
    assert issued_at < next_review < datetime.now(UTC) < issued.valid_until

    before = verify_file(issued.envelope_path, [_public(ledger)], now=next_review - timedelta(1))
    assert before.verified is not None, before.failure
    assert not [d for d in before.verified.details if "due for review" in d]

    note = f"due for review since {next_review.date()}: renew with assay certificate renew 1.0.0"
    after = next_review + timedelta(days=1)
    warned = verify_file(issued.envelope_path, [_public(ledger)], now=after)
    assert warned.verified is not None, warned.failure
    assert f"note: {note}" in warned.verified.details
    failed = verify_file(issued.envelope_path, [_public(ledger)], now=after, review_overdue="fail")
    assert failed.failure is not None and failed.verified is None
    assert (failed.failure.reason.value, failed.failure.detail) == ("expired", note)
    # The project's [certificate] review_overdue decides when none is given.
    strict = load_settings(ledger).model_copy(
        update={"certificate": CertificateSettings(review_overdue="fail")}
    )
    by_setting = verify_file(issued.envelope_path, [], now=after, ctx=ctx_of(strict))
    assert by_setting.failure is not None and by_setting.failure.detail == note
    assert review_state(_predicate(issued.envelope_path), after).due_since == next_review.date()

    # The real command, now: passes with the note (warn, the default)...
    shown = run_assay("verify", issued.envelope_path, "--key", _public(ledger))
    assert shown.code == 0, shown.err
    assert "verified certificate" in shown.out and note in shown.out
    # ...and fails with the reason in a project that says fail.
    config = ledger / "assay.toml"
    kept = config.read_text(encoding="utf-8")
    try:
        config.write_text(kept + '\n[certificate]\nreview_overdue = "fail"\n', encoding="utf-8")
        refused = run_assay(
            "verify", issued.envelope_path, "--key", _public(ledger), "-C", ledger, env=env
        )
    finally:
        config.write_text(kept, encoding="utf-8")
    assert refused.code == 1, refused.out
    assert f"verification failed: expired: {note}" in refused.err
    listed = _listed(ledger, env)[issued.id]
    assert listed["review_due"] is True and listed["predecessor"] is None
    assert datetime.fromisoformat(listed["next_review"]) == next_review


def test_an_overdue_condition_fails_verification_whatever_the_review_setting(
    ledger: Path, env: dict[str, str], tmp_path: Path
) -> None:
    at = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
    due = date(2027, 1, 22)
    _ready(ledger, "1.1.0", at, conditional=("retest on ARM", due))
    issued = _issue(ledger, "1.1.0", at, tmp_path / "c")
    (condition,) = _predicate(issued.envelope_path)["conditions"]
    assert condition == {
        "role": "qa",
        "signer": "qa@ledger.example",
        "condition": "retest on ARM",
        "due": "2027-01-22",
    }
    on_time = verify_file(issued.envelope_path, [_public(ledger)], now=at + timedelta(days=7))
    assert on_time.verified is not None, on_time.failure
    late = at + timedelta(days=8)
    for setting in ("warn", "fail"):
        outcome = verify_file(
            issued.envelope_path, [_public(ledger)], now=late, review_overdue=setting
        )
        assert outcome.failure is not None and outcome.failure.reason.value == "expired"
        assert outcome.failure.detail == (
            "condition of qa@ledger.example (qa) overdue since 2027-01-22: retest on ARM"
        )


def test_renewal_signs_a_successor_naming_its_predecessor(
    ledger: Path, env: dict[str, str], tmp_path: Path
) -> None:
    issued_at = datetime.now(UTC).replace(microsecond=0) - AGO
    _ready(ledger, "2.0.0", issued_at)
    first = _issue(ledger, "2.0.0", issued_at, tmp_path / "c")
    assert _listed(ledger, env)[first.id]["review_due"] is True
    # The sign-offs of the first certificate have expired: fresh ones are given now.
    _ready(ledger, "2.0.0", datetime.now(UTC), create=False)

    renewed = run_assay("certificate", "renew", "2.0.0", "-C", ledger, "-f", "json", env=env)
    assert renewed.code == 0, renewed.err
    successor = json.loads(renewed.out)
    assert successor["predecessor"] == first.id and successor["release"] == "2.0.0"
    predicate = _predicate(successor["envelope_path"])
    assert predicate["supersedes"] == {"id": first.id, "statement_sha256": first.statement_sha256}
    assert datetime.fromisoformat(predicate["issued_at"]) > datetime.now(UTC) - timedelta(1)
    assert "supersedes" not in _predicate(first.envelope_path)
    info, _ = get_certificate(ctx_of(load_settings(ledger)), successor["id"])
    assert info.predecessor == first.id  # the row's predecessor_id
    assert info.statement_sha256 == successor["statement_sha256"]

    listed = _listed(ledger, env)
    assert listed[successor["id"]]["predecessor"] == first.id
    assert listed[successor["id"]]["review_due"] is False
    assert listed[first.id]["predecessor"] is None
    assert listed[first.id]["review_due"] is False  # renewed: nothing left to do
    text = run_assay("certificate", "list", "-C", ledger, env=env)
    assert f"renews  {first.id}" in text.out

    verified = verify_file(Path(successor["envelope_path"]), [_public(ledger)])
    assert verified.verified is not None, verified.failure
    assert not [d for d in verified.verified.details if "due for review" in d]

    entries = [json.loads(line) for line in export_jsonl(ctx_of(load_settings(ledger)))]
    (entry,) = [e for e in entries if e.get("action") == "certificate.renewed"]
    assert entry["subject"] == "ledger@2.0.0"
    payload = {
        "certificate": successor["id"],
        "statement_sha256": successor["statement_sha256"],
        "valid_until": str(datetime.fromisoformat(predicate["valid_until"])),
        "predecessor": first.id,
        "predecessor_sha256": first.statement_sha256,
    }
    assert entry["payload_sha256"] == payload_digest(payload)


def test_renewing_with_expired_sign_offs_is_refused_with_the_reasons(
    ledger: Path, env: dict[str, str], tmp_path: Path
) -> None:
    issued_at = datetime.now(UTC).replace(microsecond=0) - AGO
    _ready(ledger, "3.0.0", issued_at)
    first = _issue(ledger, "3.0.0", issued_at, tmp_path / "c")
    refused = run_assay("certificate", "renew", "3.0.0", "-C", ledger, env=env)
    assert refused.code == 1, refused.out
    assert "release 3.0.0 cannot be certified yet" in refused.err
    assert "qa: 0 of 1 approvals (expired: qa@ledger.example)" in refused.err
    assert "security: 0 of 1 approvals (expired: sec@ledger.example)" in refused.err
    listed = _listed(ledger, env)
    assert [c for c in listed.values() if c["predecessor"] == first.id] == []


def test_renewing_a_release_without_a_certificate_is_a_usage_error(
    ledger: Path, env: dict[str, str]
) -> None:
    _ready(ledger, "4.0.0", datetime.now(UTC))
    refused = run_assay("certificate", "renew", "4.0.0", "-C", ledger, "-f", "json", env=env)
    assert refused.code == 2, refused.out
    assert (
        "4.0.0 has no certificate to renew; issue one: assay certificate issue 4.0.0" in refused.err
    )
    assert refused.out == ""


@pytest.mark.anyio
async def test_the_api_renews_with_the_permission_of_an_issue(
    ledger: Path, env: dict[str, str], tmp_path: Path
) -> None:
    """Last in this file: it adds the team's principals to the ledger's store."""
    issued_at = datetime.now(UTC).replace(microsecond=0) - AGO
    _ready(ledger, "5.0.0", issued_at)
    first = _issue(ledger, "5.0.0", issued_at, tmp_path / "c")
    create_release(
        ctx_of(load_settings(ledger)), ledger, "5.1.0", run=None, by="rm@x", now=issued_at
    )
    team = add_team(ledger, env)
    base = "/api/v1/projects/ledger/releases"
    async with client(team, None) as api:
        shown = await api.get(f"/api/v1/certificates/{first.id}", headers=team.auth("qa@x"))
        assert shown.json()["review_due"] is True and shown.json()["predecessor"] is None
        not_ready = await api.post(f"{base}/5.0.0/certificates/renew", headers=team.auth("lead@x"))
        assert not_ready.status_code == 403 and "expired" in not_ready.text
        for role, signer in (("qa", "qa@x"), ("security", "sec@x")):
            signed = await api.post(
                f"{base}/5.0.0/signoffs",
                json={"role": role, "decision": "approve"},
                headers=team.auth(signer),
            )
            assert signed.status_code == 201, signed.text
        refused = await api.post(f"{base}/5.0.0/certificates/renew", headers=team.auth("qa@x"))
        assert refused.status_code == 403, refused.text  # qa may not issue, nor renew
        renewed = await api.post(f"{base}/5.0.0/certificates/renew", headers=team.auth("lead@x"))
        assert renewed.status_code == 201, renewed.text
        body = renewed.json()
        assert body["predecessor"] == first.id
        payload = json.loads(base64.b64decode(body["envelope"]["payload"]))
        assert payload["predicate"]["supersedes"]["id"] == first.id
        listed = (await api.get("/api/v1/certificates", headers=team.auth("qa@x"))).json()
        by_id = {c["id"]: c for c in listed}
        assert by_id[body["id"]]["predecessor"] == first.id
        assert by_id[body["id"]]["next_review"] and by_id[body["id"]]["review_due"] is False
        assert by_id[first.id]["review_due"] is False
        none = await api.post(f"{base}/5.1.0/certificates/renew", headers=team.auth("lead@x"))
        assert none.status_code == 400 and "has no certificate to renew" in none.text
