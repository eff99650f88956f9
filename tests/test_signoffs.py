"""Sign-off rules on a real store, the whole certificate scenario, and concurrent signers."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import ready_project
from assay.core.signoff import Decision
from assay.errors import Refused
from assay.services.certificates import issue_certificate
from assay.services.releases import create_release, release_status, sign_off, update_release
from assay.settings import load_settings
from conftest import ctx_of, run_assay

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ROLES = "[signoff]\nroles = {qa = 2, security = 1}\n"


@pytest.fixture
def released(example_project: Path, store_url: str) -> Path:
    """The example project certified by ci@example.com, with release 2.3.0 of that run."""
    (example_project / "assay.toml").write_text(
        f'[store]\nurl = "{store_url}"\n\n{ROLES}', encoding="utf-8"
    )
    done = run_assay("certify", example_project, "--author", "ci@example.com")
    assert done.code == 1, done.err
    create_release(
        ctx_of(load_settings(example_project)), example_project, "2.3.0", run=None, by="rm", now=NOW
    )
    return example_project


def _sign(
    project: Path,
    role: str,
    signer: str,
    decision: Decision = Decision.APPROVE,
    *,
    at: datetime = NOW,
    condition: str | None = None,
    due: date | None = None,
) -> None:
    sign_off(
        ctx_of(load_settings(project)),
        project,
        "2.3.0",
        role=role,
        actor=signer,
        decision=decision,
        condition=condition,
        due=due,
        now=at,
    )


def _missing(project: Path, at: datetime = NOW) -> list[str]:
    status = release_status(ctx_of(load_settings(project)), project, "2.3.0", at)
    return [line for line in status.missing if not line.startswith("gate ")]


def test_quorum_needs_n_distinct_approvals(released: Path) -> None:
    _sign(released, "security", "sec@example.com")
    _sign(released, "qa", "qa1@example.com")
    assert _missing(released) == ["qa: 1 of 2 approvals"]
    _sign(released, "qa", "qa1@example.com")  # the same signer again is still one approval
    assert _missing(released) == ["qa: 1 of 2 approvals"]
    _sign(released, "qa", "qa2@example.com")
    assert _missing(released) == []


def test_separation_of_duties(released: Path) -> None:
    _sign(released, "qa", "qa1@example.com")
    with pytest.raises(Refused, match="one signer holds one role per release"):
        _sign(released, "security", "qa1@example.com")
    with pytest.raises(Refused, match="author of the evidence does not sign"):
        _sign(released, "security", "CI@example.com")  # the run's author, in any case
    cli = run_assay(
        "signoff",
        "2.3.0",
        "--role",
        "security",
        "--approve",
        "-C",
        released,
        env={"ASSAY_PRINCIPAL": "qa1@example.com"},
    )
    assert cli.code == 1 and "one signer holds one role" in cli.err


def test_sign_offs_expire(released: Path) -> None:
    for role, signer in (("qa", "qa1@x"), ("qa", "qa2@x"), ("security", "sec@x")):
        _sign(released, role, signer)
    assert _missing(released, NOW + timedelta(days=29)) == []
    assert _missing(released, NOW + timedelta(days=31)) == [
        "qa: 0 of 2 approvals (expired: qa1@x, qa2@x)",
        "security: 0 of 1 approvals (expired: sec@x)",
    ]


def test_new_evidence_voids_sign_offs(released: Path) -> None:
    for role, signer in (("qa", "qa1@x"), ("qa", "qa2@x"), ("security", "sec@x")):
        _sign(released, role, signer)
    readme = released / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nMore words.\n", encoding="utf-8")
    assert run_assay("certify", released, "--author", "ci@example.com").code == 1
    settings = load_settings(released)
    _, changed = update_release(ctx_of(settings), released, "2.3.0", run=None, now=NOW)
    assert changed
    assert _missing(released) == [
        "qa: 0 of 2 approvals (void after new evidence: qa1@x, qa2@x)",
        "security: 0 of 1 approvals (void after new evidence: sec@x)",
    ]


def test_a_rejection_blocks_until_that_signer_signs_again(released: Path) -> None:
    _sign(released, "security", "sec@x")
    _sign(released, "qa", "qa1@x", Decision.REJECT)
    _sign(released, "qa", "qa2@x")
    _sign(released, "qa", "qa3@x")
    assert _missing(released) == ["qa: rejected by qa1@x; blocked until that signer signs again"]
    _sign(released, "qa", "qa1@x", at=NOW + timedelta(minutes=5))
    assert _missing(released) == []


def test_a_condition_past_due_blocks_the_certificate(released: Path) -> None:
    _sign(released, "security", "sec@x")
    _sign(released, "qa", "qa1@x")
    due = NOW.date() + timedelta(days=7)
    _sign(released, "qa", "qa2@x", Decision.CONDITIONAL, condition="retest on ARM", due=due)
    status = release_status(ctx_of(load_settings(released)), released, "2.3.0", NOW)
    (condition,) = [c for r in status.roles for c in r.conditions]
    assert (condition.text, condition.overdue) == ("retest on ARM", False)
    assert _missing(released) == []
    late = NOW + timedelta(days=8)
    assert _missing(released, late) == [f"qa: condition of qa2@x was due {due}: retest on ARM"]
    with pytest.raises(Refused, match="was due"):
        issue_certificate(ctx_of(load_settings(released)), released, "2.3.0", now=late)
    with pytest.raises(Exception, match="needs the condition and its due date"):
        _sign(released, "qa", "qa3@x", Decision.CONDITIONAL, condition="x")


def test_sign_off_mistakes_are_explained(released: Path) -> None:
    unknown_role = run_assay(
        "signoff",
        "2.3.0",
        "--role",
        "cfo",
        "--approve",
        "-C",
        released,
        env={"ASSAY_PRINCIPAL": "a@x"},
    )
    assert unknown_role.code == 2 and "roles: qa, security" in unknown_role.err
    two = run_assay(
        "signoff",
        "2.3.0",
        "--role",
        "qa",
        "--approve",
        "--reject",
        "-C",
        released,
        env={"ASSAY_PRINCIPAL": "a@x"},
    )
    assert two.code == 2 and "exactly one of" in two.err
    nothing = run_assay(
        "signoff",
        "9.9.9",
        "--role",
        "qa",
        "--approve",
        "-C",
        released,
        env={"ASSAY_PRINCIPAL": "a@x"},
    )
    assert nothing.code == 2 and "no release 9.9.9" in nothing.err
    again = run_assay("release", "create", "2.3.0", "-C", released)
    assert again.code == 2 and "already exists" in again.err


def _payload(envelope_path: Path) -> dict[str, object]:
    envelope = json.loads(envelope_path.read_text(encoding="utf-8"))
    document: dict[str, object] = json.loads(base64.b64decode(envelope["payload"]))
    return document


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_the_whole_scenario(tmp_path: Path, store_url: str) -> None:
    """certify, release, six sign-offs, certificate, verify, new evidence, revoke, verify.
    On SQLite only: it is all command-line processes (50 s); the rules it walks through
    run on PostgreSQL in the tests above and in test_api_cluster."""
    root = tmp_path / "ledger"
    root.mkdir()
    ready_project.build(root, store_url=store_url)
    env = ready_project.environment(root)
    baseline = ready_project.certify(root)
    run = baseline["run"]
    assert isinstance(run, dict)
    assert run_assay("runs", "baseline", run["id"], "-C", root).code == 0
    report = ready_project.certify(root)
    assert report["verdict"] == "ready", report["gates"]

    def assay(*args: str | Path) -> subprocess.CompletedProcess[str]:
        done = run_assay(*args, "-C", root, env=env)
        return subprocess.CompletedProcess(args, done.code, done.out, done.err)

    assert assay("release", "create", "1.0.0").returncode == 0
    status = assay("release", "status", "1.0.0", "--json")
    assert status.returncode == 1 and len(json.loads(status.stdout)["missing"]) == 6
    refused = assay("certificate", "issue", "1.0.0")
    assert refused.returncode == 1 and "cannot be certified yet" in refused.stderr
    roles = ["developer", "tech_lead", "qa", "security", "product_owner", "architect"]
    for number, role in enumerate(roles, 1):
        signer = f"p{number}@ledger.example"
        signed = run_assay(
            "signoff",
            "1.0.0",
            "--role",
            role,
            "--as",
            signer,
            "--approve",
            "-C",
            root,
            env={**env, "ASSAY_PRINCIPAL": signer},
        )
        assert signed.code == 0, signed.err
    assert assay("release", "status", "1.0.0").returncode == 0

    issued = assay("certificate", "issue", "1.0.0", "-o", tmp_path / "certificate")
    assert issued.returncode == 0, issued.stderr
    envelope = tmp_path / "certificate" / "ledger-1.0.0.certificate.intoto.json"
    predicate = _payload(envelope)["predicate"]
    assert isinstance(predicate, dict)
    assert [s["role"] for s in predicate["signoffs"]] == roles
    assert predicate["valid_until"].startswith(str(date.today().year + 1))
    assert predicate["policy"]["digest"] and len(predicate["gates"]) == 9
    html = (tmp_path / "certificate" / "ledger-1.0.0.certificate.html").read_text()
    assert "<h1>Readiness certificate: ledger 1.0.0</h1>" in html
    public = tmp_path / "issuer.pub"
    assert assay("keys", "export-public", "-o", public).returncode == 0
    ok = run_assay("verify", envelope, "--key", public)
    assert ok.code == 0 and "verified certificate" in ok.out, ok.err

    readme = root / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nAmounts never go negative.\n")
    ready_project.certify(root)
    assert "sign-offs are void" in assay("release", "update", "1.0.0").stdout
    after = json.loads(assay("release", "status", "1.0.0", "--json").stdout)
    assert all(r["void"] and not r["approved_by"] for r in after["roles"])

    certificate_id = issued.stdout.split()[1]
    revoked = assay("certificate", "revoke", certificate_id, "--reason", "README changed")
    assert revoked.returncode == 0, revoked.stderr
    against_store = run_assay("verify", envelope, "--key", public, "-C", root, env=env)
    assert against_store.code == 1
    assert "revoked" in against_store.err and "README changed" in against_store.err
    listing = tmp_path / "revocations.json"
    assert assay("certificate", "revocations", "-o", listing).returncode == 0
    offline = run_assay("verify", envelope, "--key", public, "--revocations", listing)
    assert offline.code == 1 and "revoked: revoked on" in offline.err


def test_an_expired_certificate_does_not_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assay.services.verify import verify_file

    root = tmp_path / "ledger"
    root.mkdir()
    ready_project.build(root)
    env = ready_project.environment(root)
    first = ready_project.certify(root)
    run = first["run"]
    assert isinstance(run, dict)
    run_assay("runs", "baseline", run["id"], "-C", root)
    ready_project.certify(root)
    (root / "assay.toml").write_text(
        (root / "assay.toml").read_text() + "\n[signoff]\nroles = {qa = 1}\n", encoding="utf-8"
    )
    assert run_assay("release", "create", "1.0.0", "-C", root).code == 0
    assert (
        run_assay(
            "signoff",
            "1.0.0",
            "--role",
            "qa",
            "--approve",
            "-C",
            root,
            env={"ASSAY_PRINCIPAL": "qa@x"},
        ).code
        == 0
    )
    issued = run_assay("certificate", "issue", "1.0.0", "-C", root, "-o", tmp_path / "c", env=env)
    assert issued.code == 0, issued.err
    public = tmp_path / "issuer.pub"
    run_assay("keys", "export-public", "-o", public, "-C", root, env=env)
    envelope = tmp_path / "c" / "ledger-1.0.0.certificate.intoto.json"
    later = datetime.now(UTC) + timedelta(days=400)
    outcome = verify_file(envelope, [public], now=later)
    assert outcome.failure is not None and outcome.failure.reason.value == "expired"

    # Issued twice in the same second (two requests at once), it is one certificate.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    moment = datetime.now(UTC)
    ctx = ctx_of(load_settings(root))
    once = issue_certificate(ctx, root, "1.0.0", now=moment, output=tmp_path / "d")
    again = issue_certificate(ctx, root, "1.0.0", now=moment, output=tmp_path / "e")
    assert again.id == once.id and again.statement_sha256 == once.statement_sha256


CONCURRENT = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from assay.core.signoff import Decision
from assay.errors import Refused
from assay.core.caller import Caller
from assay.services.context import open_context
from assay.services.releases import sign_off
from assay.settings import load_settings

project, role, signer, start = Path(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
while datetime.now(UTC).timestamp() < start:  # both processes act at the same moment
    pass
try:
    context = open_context(load_settings(project), Caller(signer))
    sign_off(context, project, "2.3.0", role=role, actor=signer,
             decision=Decision.APPROVE, condition=None, due=None, now=datetime.now(UTC))
except Refused as exc:
    print(exc.message)
    sys.exit(1)
"""


def _at_once(project: Path, *pairs: tuple[str, str]) -> list[subprocess.CompletedProcess[str]]:
    start = datetime.now(UTC).timestamp() + 2.0
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, str(project), role, signer, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role, signer in pairs
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def test_two_processes_signing_at_once_leave_a_consistent_state(released: Path) -> None:
    same_signer = _at_once(released, ("qa", "both@x"), ("security", "both@x"))
    codes = sorted(r.returncode for r in same_signer)
    assert codes == [0, 1], [r.stderr for r in same_signer]
    (refused,) = [r for r in same_signer if r.returncode == 1]
    assert "one signer holds one role per release" in refused.stdout
    status = release_status(ctx_of(load_settings(released)), released, "2.3.0", datetime.now(UTC))
    assert [s.signer for s in status.signoffs] == ["both@x"]

    other_role = "security" if status.signoffs[0].role == "qa" else "qa"
    two_signers = _at_once(released, (other_role, "first@x"), (other_role, "second@x"))
    assert [r.returncode for r in two_signers] == [0, 0], [r.stderr for r in two_signers]
    status = release_status(ctx_of(load_settings(released)), released, "2.3.0", datetime.now(UTC))
    assert sorted(s.signer for s in status.signoffs) == ["both@x", "first@x", "second@x"]


def test_sign_off_claims_are_judged_against_stored_sign_offs(released: Path) -> None:
    """A report's "2/2 roles approved" is checked against the release's sign-offs, never
    against its own ticks."""
    report = released / "SIGNOFF_STATUS.md"
    report.write_text(
        "# Sign-off\n\n- [x] qa\n- [x] security\n\nStatus: 2/2 roles approved\n",
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    _sign(released, "security", "sec@example.com", at=now)
    _sign(released, "qa", "qa1@example.com", at=now)
    cli = run_assay("claims", report, "-C", released, "-f", "json")
    (claim,) = [c for c in json.loads(cli.out)["claims"] if c["kind"] == "signoff"]
    # qa needs two approvals: one role of two has its quorum.
    assert claim["verdict"] == "contradicted" and claim["measured"] == 1, claim
    assert "release 2.3.0" in claim["explanation"]
    _sign(released, "qa", "qa2@example.com", at=now)
    cli = run_assay("claims", report, "-C", released, "-f", "json")
    (claim,) = [c for c in json.loads(cli.out)["claims"] if c["kind"] == "signoff"]
    assert claim["verdict"] == "supported", claim
