"""The audit log: tampering in the database is found and named, proofs verify
independently, and a SIGKILL in the middle of appends loses nothing committed."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import create_engine, text

from assay.services.audit import verify_log
from assay.services.audit_log import AuditEvent, audit_log
from assay.settings import Settings, load_settings
from assay.store.database import Store, normalise_url
from conftest import ctx_of, run_assay

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def logged(tmp_path: Path, store_url: str) -> Path:
    """A project whose store holds 30 audit entries appended in 12 transactions."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "assay.toml").write_text(f'[store]\nurl = "{store_url}"\n', encoding="utf-8")
    settings = load_settings(project)
    log = audit_log(settings)
    store = Store.open(settings.store_url, settings.evidence_dir)
    try:
        for batch in range(12):
            events = [
                AuditEvent(f"user{batch}@x", "signoff.recorded", f"app@1.{batch}", {"n": i})
                for i in range(1 if batch < 9 else 7)
            ]
            with store.transaction(exclusive=True) as session:
                log.record(session, events, NOW)
    finally:
        store.close()
    return project


def _sql(project: Path, *statements: str) -> None:
    engine = create_engine(normalise_url(load_settings(project).store_url))
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def _verify(project: Path) -> tuple[int, str]:
    done = run_assay("audit", "verify", "-C", project)
    return done.code, done.out + done.err


def test_an_untouched_log_verifies(logged: Path) -> None:
    code, output = _verify(logged)
    assert code == 0 and "30 entries, 12 checkpoints" in output


def test_an_edited_entry_is_named(logged: Path) -> None:
    _sql(logged, "UPDATE audit_entries SET actor = 'intruder@x' WHERE seq = 7")
    code, output = _verify(logged)
    assert code == 1 and "first bad entry 7" in output and "edited" in output


def test_an_edit_with_a_recomputed_leaf_hash_is_caught_by_the_checkpoints(logged: Path) -> None:
    from assay.core.merkle import leaf_hash
    from assay.services.audit_log import leaf_data

    settings = load_settings(logged)
    store = Store.open(settings.store_url, settings.evidence_dir)
    with store.engine.connect() as connection:
        row = (
            connection.execute(text("SELECT * FROM audit_entries WHERE seq = 20")).mappings().one()
        )
    store.close()
    at = row["at"] if isinstance(row["at"], datetime) else datetime.fromisoformat(str(row["at"]))
    forged = leaf_hash(
        leaf_data(
            20,
            at.replace(tzinfo=UTC),
            "intruder@x",
            row["action"],
            row["subject"],
            row["payload_sha256"],
        )
    ).hex()
    _sql(
        logged,
        f"UPDATE audit_entries SET actor = 'intruder@x', leaf_hash = '{forged}' WHERE seq = 20",
    )
    code, output = _verify(logged)
    assert code == 1 and "first bad entry 16" in output  # 16 to 22 were checkpointed together
    assert "differ from the checkpoint" in output


def test_a_deleted_entry_is_named(logged: Path) -> None:
    _sql(logged, "DELETE FROM audit_entries WHERE seq = 4")
    code, output = _verify(logged)
    assert code == 1 and "first bad entry 4" in output and "missing" in output


def test_reordered_entries_are_named(logged: Path) -> None:
    _sql(
        logged,
        "UPDATE audit_entries SET seq = -1 WHERE seq = 12",
        "UPDATE audit_entries SET seq = 12 WHERE seq = 13",
        "UPDATE audit_entries SET seq = 13 WHERE seq = -1",
    )
    code, output = _verify(logged)
    assert code == 1 and "first bad entry 12" in output


def test_an_inserted_entry_is_named(logged: Path) -> None:
    _sql(
        logged,
        "INSERT INTO audit_entries (seq, at, actor, action, subject, payload_sha256, leaf_hash) "
        f"VALUES (30, '2026-11-23 12:00:00', 'intruder@x', 'certificate.issued', 'app@9', "
        f"'{'0' * 64}', '{'0' * 64}')",
    )
    code, output = _verify(logged)
    assert code == 1 and "first bad entry 30" in output


# An RFC 6962 check written here with hashlib only: the audit path by the recursive
# definition of PATH(m, D[n]), not the iterative algorithm Assay uses.
def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _root_from_path(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    if size == 1:
        assert not path
        return leaf
    k = 1 << ((size - 1).bit_length() - 1)
    if index < k:
        return _h(b"\x01" + _root_from_path(index, k, leaf, path[:-1]) + path[-1])
    return _h(b"\x01" + path[-1] + _root_from_path(index - k, size - k, leaf, path[:-1]))


def test_inclusion_proofs_verify_independently(logged: Path) -> None:
    for seq in (0, 7, 16, 29):
        done = run_assay("audit", "proof", str(seq), "-C", logged)
        assert done.code == 0, done.err
        proof = json.loads(done.out)
        leaf = _h(b"\x00" + proof["leaf_data"].encode())
        assert leaf.hex() == proof["leaf_hash"] and json.loads(proof["leaf_data"])["seq"] == seq
        path = [bytes.fromhex(p) for p in proof["proof"]]
        root = _root_from_path(seq, proof["tree_size"], leaf, path)
        assert root.hex() == proof["root_hash"]
        # The checkpoint is a C2SP signed note over "origin\nsize\nbase64(root)\n".
        body, _, signature_line = proof["checkpoint"].partition("\n\n")
        origin, size, encoded = body.split("\n")
        assert origin == "assay.local/audit"
        assert (int(size), base64.b64decode(encoded)) == (proof["tree_size"], root)
        name, key_hash, key = proof["verifier_key"].split("+", 2)
        assert signature_line.split(" ")[1] == name
        raw = base64.b64decode(key)[1:]
        blob = base64.b64decode(signature_line.split(" ")[2])
        assert blob[:4].hex() == key_hash
        Ed25519PublicKey.from_public_bytes(raw).verify(blob[4:], (body + "\n").encode())
        tampered = bytearray(leaf)
        tampered[0] ^= 1
        assert _root_from_path(seq, proof["tree_size"], bytes(tampered), path) != root


def test_state_changes_are_audited(example_project: Path) -> None:
    assert run_assay("certify", example_project, "--author", "ci@x").code == 1
    lines = run_assay("audit", "export", "-C", example_project).out.splitlines()
    entries = [json.loads(line) for line in lines[:-1]]
    actions = [e["action"] for e in entries]
    report = json.loads(
        next((example_project / ".assay/reports").glob("*/report.json")).read_text()
    )
    stored = [e["sha256"] for e in report["evidence"]]  # one entry per piece of evidence
    assert [e["subject"] for e in entries if e["action"] == "evidence.stored"] == stored
    assert actions[-1] == "run.certified"
    assert {e["actor"] for e in entries} == {"ci@x"}
    assert "checkpoint" in json.loads(lines[-1])
    assert verify_log(ctx_of(load_settings(example_project))).ok


APPENDER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from assay.services.audit_log import AuditEvent, audit_log
from assay.settings import load_settings
from assay.store.database import Store

settings = load_settings(Path(sys.argv[1]))
log = audit_log(settings)
store = Store.open(settings.store_url, settings.evidence_dir)
while True:
    with store.transaction(exclusive=True) as session:
        event = AuditEvent("burst@x", "test.append", "s", {})
        (seq,) = log.record(session, [event], datetime.now(UTC))
    print(seq, flush=True)
"""


def _empty_store(tmp_path: Path, store_url: str) -> tuple[Path, Settings]:
    """A project with an empty store and its audit key, ready for APPENDER."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "assay.toml").write_text(f'[store]\nurl = "{store_url}"\n', encoding="utf-8")
    settings = load_settings(project)
    Store.open(settings.store_url, settings.evidence_dir).close()
    audit_log(settings).key()
    return project, settings


def test_sigkill_during_appends_loses_no_committed_entry(tmp_path: Path, store_url: str) -> None:
    project, settings = _empty_store(tmp_path, store_url)
    generator = random.Random(6962)
    committed = -1
    for _ in range(10):  # ten kills at random moments: each process start costs a second
        child = subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(project)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Wait for the burst to be under way (start-up is slow on a busy machine), then
        # kill it at a random moment in the middle of appending.
        assert child.stdout is not None
        first = child.stdout.readline()
        assert first.strip(), child.stderr.read() if child.stderr else ""
        time.sleep(generator.random() * 0.3)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        printed = [int(line) for line in (first + out).split()]
        committed = max(committed, printed[-1])
        report = verify_log(ctx_of(settings))
        assert report.ok, report.problems
        assert report.entries >= committed + 1  # every printed (committed) entry is there


def test_verification_while_a_writer_appends_sees_one_consistent_log(
    tmp_path: Path, store_url: str
) -> None:
    """Verification reads entries and checkpoints in one snapshot: an append committed
    between its reads must not look like an entry outside every checkpoint."""
    project, settings = _empty_store(tmp_path, store_url)
    writer = subprocess.Popen(
        [sys.executable, "-c", APPENDER, str(project)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip(), writer.stderr.read() if writer.stderr else ""
        sizes = []
        for _ in range(40):
            report = verify_log(ctx_of(settings))
            assert report.ok, report.problems
            assert report.checkpoints == report.entries
            sizes.append(report.entries)
    finally:
        writer.kill()
        writer.communicate(timeout=30)
    assert sizes[-1] > sizes[0]  # the writer was appending all along
