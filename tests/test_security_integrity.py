"""Gates judge only verified evidence, and `assay audit verify` checks the store against
its log: an edited summary, an edited blob, deleted runs and evidence, and a store rolled
back to an older copy are all found and named, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, delete, select, update

from assay.core.evidence import evidence_seal
from assay.settings import load_settings
from assay.store.database import normalise_url
from assay.store.models import Base, EvidenceRow, RunRow
from conftest import EXAMPLE, run_assay


@pytest.fixture
def certified(tmp_path: Path, store_url: str) -> Path:
    """The example project certified once into a store of its own (not ready: PROD-007
    fails on a short README, PROD-004 passes)."""
    project = tmp_path / "shipping-quotes"
    shutil.copytree(
        EXAMPLE, project, ignore=shutil.ignore_patterns(".assay", ".venv", "__pycache__")
    )
    (project / "assay.toml").write_text(f'[store]\nurl = "{store_url}"\n', encoding="utf-8")
    (tmp_path / "store").mkdir(exist_ok=True)
    assert run_assay("certify", project, "--author", "ci@x").code == 1
    return project


def _engine(project: Path) -> Engine:
    return create_engine(normalise_url(load_settings(project).store_url))


def _evidence(project: Path, kind: str) -> dict[str, Any]:
    engine = _engine(project)
    try:
        with engine.connect() as connection:
            table = EvidenceRow.__table__
            row = connection.execute(select(table).where(table.c.kind == kind)).one()
            return dict(row._mapping)
    finally:
        engine.dispose()


def _set(project: Path, evidence_id: str, **values: Any) -> None:
    """Change an evidence row behind Assay's back, as someone with the database would."""
    engine = _engine(project)
    try:
        with engine.begin() as connection:
            table = EvidenceRow.__table__
            connection.execute(update(table).where(table.c.id == evidence_id).values(**values))
    finally:
        engine.dispose()


def _gates(project: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    done = run_assay("gates", project, "--json")
    return done.code, {g["id"]: g for g in json.loads(done.out)["gates"]}


def _verify(project: Path, *args: str | Path) -> tuple[int, str]:
    done = run_assay("audit", "verify", "-C", project, *args)
    return done.code, done.out + done.err


def test_an_edited_summary_is_no_pass_and_verify_names_it(certified: Path) -> None:
    code, gates = _gates(certified)
    assert gates["PROD-007"]["status"] == "fail"
    assert _verify(certified)[0] == 0
    docs = _evidence(certified, "documentation")
    forged = {**docs["summary"], "readme_words": 5000}
    _set(certified, docs["id"], summary=forged)

    code, gates = _gates(certified)
    assert code == 1
    assert gates["PROD-007"]["status"] == "unknown"
    explanation = gates["PROD-007"]["explanation"]
    assert docs["id"] in explanation and "altered after it was stored" in explanation

    code, output = _verify(certified)
    assert code == 1
    assert f"evidence {docs['id']} (documentation" in output
    assert "summary was edited" in output

    # Recomputing the row's seal as well does not help: the audit entry holds the seal.
    _set(certified, docs["id"], seal=evidence_seal("documentation", docs["sha256"], forged))
    code, output = _verify(certified)
    assert code == 1
    assert f"evidence {docs['id']} (documentation" in output
    assert "differs from audit entry" in output


def test_an_edited_blob_is_refused_by_gates(certified: Path) -> None:
    code, gates = _gates(certified)
    assert gates["PROD-004"]["status"] == "pass"
    analysis = _evidence(certified, "static-analysis")
    sha256 = analysis["sha256"]
    blob = load_settings(certified).evidence_dir / "sha256" / sha256[:2] / sha256[2:]
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes().replace(b"}", b', "forged": true}', 1))

    code, gates = _gates(certified)
    assert code == 1
    assert gates["PROD-004"]["status"] == "unknown"  # never the old pass
    explanation = gates["PROD-004"]["explanation"]
    assert analysis["id"] in explanation and "does not match its digest" in explanation

    code, output = _verify(certified)
    assert code == 1 and analysis["id"] in output and "does not match its digest" in output


def test_deleted_runs_and_evidence_are_named(certified: Path) -> None:
    docs = _evidence(certified, "documentation")
    engine = _engine(certified)
    try:
        with engine.begin() as connection:
            connection.execute(delete(EvidenceRow.__table__).where(EvidenceRow.id == docs["id"]))
        code, output = _verify(certified)
        assert code == 1
        assert f"evidence sha256:{docs['sha256'][:12]} recorded by audit entry" in output
        assert "missing from the store (deleted?)" in output

        with engine.connect() as connection:
            run_id = connection.execute(select(RunRow.id)).scalar_one()
        with engine.begin() as connection:
            connection.execute(delete(EvidenceRow.__table__))
            connection.execute(delete(RunRow.__table__))
    finally:
        engine.dispose()
    code, output = _verify(certified)
    assert code == 1
    assert f"run {run_id} recorded by audit entry" in output and "(deleted?)" in output
    assert output.count("missing from the store (deleted?)") >= 3


def test_a_store_rolled_back_to_an_older_copy_is_found_with_a_checkpoint(
    certified: Path, tmp_path: Path
) -> None:
    old = _copy(certified)  # a copy of the whole database, kept aside
    assert run_assay("certify", certified, "--author", "ci@x").code == 1
    checkpoint = tmp_path / "checkpoint.json"
    done = run_assay("audit", "checkpoint", "-C", certified, "-o", checkpoint)
    assert done.code == 0, done.err
    exported = json.loads(checkpoint.read_text(encoding="utf-8"))
    assert exported["size"] > 0 and exported["verifier_key"].startswith("assay-audit+")
    code, output = _verify(certified, "--checkpoint", checkpoint)
    assert code == 0 and "contains the checkpoint" in output

    _restore(certified, old)
    assert _verify(certified)[0] == 0  # the old copy is consistent in itself
    code, output = _verify(certified, "--checkpoint", checkpoint)
    assert code == 1
    assert "rolled back" in output and f"covers {exported['size']}" in output

    # Work done on the old copy makes the log as long again, but not the same log.
    assert run_assay("certify", certified, "--author", "ci@x").code == 1
    code, output = _verify(certified, "--checkpoint", checkpoint)
    assert code == 1 and "does not contain the checkpoint" in output

    forged = {**exported, "checkpoint": exported["checkpoint"].replace("\n", "\n\n", 1)}
    checkpoint.write_text(json.dumps(forged), encoding="utf-8")
    code, output = _verify(certified, "--checkpoint", checkpoint)
    assert code == 2 and "not signed by this store's audit key" in output


Snapshot = list[tuple[str, list[dict[str, Any]]]]


def _copy(project: Path) -> Snapshot:
    """Every row of every table of the store (works on SQLite and on PostgreSQL)."""
    engine = _engine(project)
    try:
        with engine.connect() as connection:
            return [
                (table.name, [dict(r._mapping) for r in connection.execute(select(table))])
                for table in Base.metadata.sorted_tables
            ]
    finally:
        engine.dispose()


def _restore(project: Path, snapshot: Snapshot) -> None:
    """Put the store back as it was when ``snapshot`` was taken."""
    engine = _engine(project)
    tables = Base.metadata.tables
    try:
        with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(delete(table))
            for name, rows in snapshot:
                if rows:
                    connection.execute(tables[name].insert(), rows)
    finally:
        engine.dispose()
