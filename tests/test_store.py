"""The store on SQLite and PostgreSQL, and the content-addressed evidence locker."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, create_engine, select, text
from sqlalchemy.exc import OperationalError

from assay.core.evidence import EvidenceItem, EvidenceKind
from assay.errors import ConfigError, NotFoundError, StoreError, UsageError
from assay.store import repositories as repo
from assay.store.database import Store, normalise_url
from assay.store.identities import IdentityCache
from assay.store.keyed import KeyedRead
from assay.store.locker import EvidenceLocker
from assay.store.migrations import SCHEMA_HEAD
from assay.store.models import RunRow
from conftest import POSTGRES_URL

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _store(url: str, tmp_path: Path) -> Store:
    return Store.open(url, tmp_path / "evidence")


def _add_run(store: Store, project: str, data: bytes, started: datetime = NOW) -> str:
    item = EvidenceItem(EvidenceKind.INVENTORY, "application/json", data, {"components": 3})
    with store.transaction() as session:
        owner = repo.ensure_project(session, project, "/src/" + project, started)
        run = repo.add_run(
            session,
            RunRow(
                id=repo.new_id(),
                project_id=owner.id,
                commit="a" * 40,
                dirty=False,
                started_at=started,
                finished_at=started,
                status="completed",
                verdict="not ready",
                assay_version="0.1.0",
                inputs_digest="b" * 64,
            ),
        )
        repo.add_evidence(session, run, item, store.locker.put(data), started)
        return run.id


def test_migrations_create_the_tables_and_are_idempotent(store_url: str, tmp_path: Path) -> None:
    store = _store(store_url, tmp_path)
    assert {"projects", "runs", "evidence", "alembic_version"} <= set(store.table_names())
    store.migrate()  # a second time is a no-op
    store.close()
    _store(store_url, tmp_path).close()


MIGRATOR = """
import sys, time
from pathlib import Path
from assay.store.database import Store
start = float(sys.argv[3])
time.sleep(max(0.0, start - time.time()))
Store.open(sys.argv[1], Path(sys.argv[2])).close()
"""


def test_processes_starting_together_on_a_new_store_all_open_it(
    store_url: str, tmp_path: Path
) -> None:
    """Server processes start at once: one migrates the new store, the others wait for it
    (unserialised, one of them failed with "table projects already exists")."""
    start = time.time() + 3  # every process imported and waiting by then
    command = [sys.executable, "-c", MIGRATOR, store_url, str(tmp_path / "ev"), str(start)]
    children = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    failures = [c.communicate(timeout=120)[1] for c in children if c.wait(timeout=120) != 0]
    assert not failures, failures
    store = Store.open(store_url, tmp_path / "ev")
    with store.engine.connect() as connection:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    store.close()
    assert revision == [(SCHEMA_HEAD,)]


def test_runs_and_evidence_round_trip_with_aware_times(store_url: str, tmp_path: Path) -> None:
    store = _store(store_url, tmp_path)
    run_id = _add_run(store, "shop", b'{"components": []}')
    with store.transaction() as session:
        runs = repo.list_runs(session, 10)
        assert [r.id for r in runs] == [run_id]
        assert runs[0].started_at == NOW and runs[0].started_at.tzinfo is not None
        assert runs[0].project.name == "shop"
        record = repo.to_record(runs[0].evidence[0])
    assert record.sha256 == hashlib.sha256(b'{"components": []}').hexdigest()
    assert record.summary == {"components": 3}
    assert store.locker.get(record.sha256) == b'{"components": []}'
    store.close()


def test_a_keyed_read_gives_the_row_sqlalchemy_gives(store_url: str, tmp_path: Path) -> None:
    """The hot reads run on the driver's cursor: the same values, datetimes included
    (SQLite keeps them as text), and None for a key that is not there."""
    store = _store(store_url, tmp_path)
    run_id = _add_run(store, "shop", b"{}", datetime(2026, 11, 23, 13, 5, 7, 123456, tzinfo=UTC))
    by_id = select(RunRow.__table__).where(RunRow.id == bindparam("id"))
    read = KeyedRead(by_id)
    with store.reads() as connection:
        expected = connection.execute(by_id, {"id": run_id}).one()
        found = read.first(connection, id=run_id)
        assert read.first(connection, id="no-such-run") is None
    assert tuple(found) == tuple(expected) and found._fields == tuple(expected._fields)
    assert found.started_at == datetime(2026, 11, 23, 13, 5, 7, 123456, tzinfo=UTC)
    assert found.started_at.tzinfo is UTC
    store.close()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_a_keyed_read_on_a_dropped_connection_fails_as_sqlalchemy_would(
    store_url: str, tmp_path: Path
) -> None:
    """The connection, and every one its pool held as long, are replaced; ``Store.read``
    then makes the read again on a new one."""
    store = _store(store_url, tmp_path)
    run_id = _add_run(store, "shop", b"{}")
    read = KeyedRead(select(RunRow.__table__).where(RunRow.id == bindparam("id")))
    admin = create_engine(normalise_url(str(POSTGRES_URL)))
    try:
        with store.reads() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with admin.begin() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            with pytest.raises(OperationalError) as dropped:
                read.first(connection, id=run_id)
            assert dropped.value.connection_invalidated and connection.invalidated
        assert store.read(lambda connection: read.first(connection, id=run_id)).id == run_id
    finally:
        admin.dispose()
        store.close()


def test_runs_are_listed_newest_first_and_filtered_by_project(
    store_url: str, tmp_path: Path
) -> None:
    store = _store(store_url, tmp_path)
    old = _add_run(store, "shop", b"1", NOW.replace(hour=1))
    new = _add_run(store, "shop", b"2", NOW.replace(hour=2))
    other = _add_run(store, "blog", b"3", NOW.replace(hour=3))
    with store.transaction() as session:
        assert [r.id for r in repo.list_runs(session, 10)] == [other, new, old]
        assert [r.id for r in repo.list_runs(session, 10, "shop")] == [new, old]
        assert [r.id for r in repo.list_runs(session, 1)] == [other]
    store.close()


def test_evidence_is_found_by_id_digest_or_unique_prefix(store_url: str, tmp_path: Path) -> None:
    store = _store(store_url, tmp_path)
    _add_run(store, "shop", b"same bytes")
    _add_run(store, "shop", b"same bytes")
    digest = hashlib.sha256(b"same bytes").hexdigest()
    with store.transaction() as session:
        assert repo.find_evidence(session, digest[:10]).sha256 == digest
        assert repo.find_evidence(session, "sha256:" + digest).sha256 == digest
        row = repo.find_evidence(session, digest)
        assert repo.find_evidence(session, row.id[:13]).id == row.id
        with pytest.raises(NotFoundError):
            repo.find_evidence(session, "ffffffffffff")
        with pytest.raises(UsageError, match="too short"):
            repo.find_evidence(session, "ab")
    store.close()


def test_a_failed_transaction_leaves_nothing_behind(store_url: str, tmp_path: Path) -> None:
    store = _store(store_url, tmp_path)
    with pytest.raises(RuntimeError), store.transaction() as session:
        repo.ensure_project(session, "shop", None, NOW)
        session.flush()
        raise RuntimeError("step failed half way")
    with store.transaction() as session:
        assert repo.count_rows(session) == {"projects": 0, "runs": 0, "evidence": 0}
    store.close()


def test_sqlite_store_uses_write_ahead_logging(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "evidence")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    store.close()


def test_unreachable_database_is_an_environment_problem(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql://nobody@127.0.0.1:1/none", tmp_path / "evidence")
    assert caught.value.exit_code == 3
    assert "ASSAY_STORE_URL" in caught.value.diagnostics()


def test_a_url_that_is_not_a_database_url_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        Store.open("not a url", tmp_path / "evidence")


def test_locker_stores_by_digest_read_only_and_never_rewrites(tmp_path: Path) -> None:
    locker = EvidenceLocker(tmp_path)
    digest = locker.put(b"evidence")
    path = locker.path(digest)
    assert path.read_bytes() == b"evidence"
    assert not stat.S_IMODE(path.stat().st_mode) & 0o222
    inode = path.stat().st_ino
    assert locker.put(b"evidence") == digest
    assert path.stat().st_ino == inode
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_locker_detects_an_altered_blob(tmp_path: Path) -> None:
    locker = EvidenceLocker(tmp_path)
    digest = locker.put(b"original")
    path = locker.path(digest)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(StoreError, match="altered"):
        locker.get(digest)


def test_concurrent_writers_of_the_same_blob_agree(tmp_path: Path) -> None:
    locker = EvidenceLocker(tmp_path)
    data = os.urandom(1 << 20)
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(locker.put(data))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(set(results)) == 1 and len(results) == 8
    assert locker.get(results[0]) == data


def test_schema_head_constant_is_alembics_head(store_url: str, tmp_path: Path) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "assay.store:migrations")
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD
    store = _store(store_url, tmp_path)
    assert store.schema_revision() == SCHEMA_HEAD
    store.close()


def _until(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_the_identity_cache_keeps_nothing_while_it_cannot_listen() -> None:
    """No notification connection (nothing listens on port 1): every read goes to the
    database, so no change can be missed."""
    cache = IdentityCache(create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none"))
    time.sleep(0.3)
    _, generation = cache.get("token")
    cache.put("token", ("row",), generation)
    assert not cache.live
    assert cache.get("token") == (None, -1)


@pytest.mark.skipif(not POSTGRES_URL, reason="needs ASSAY_TEST_POSTGRES_URL (set by .ci/run)")
def test_the_identity_cache_forgets_on_notification_and_refuses_stale_rows() -> None:
    engine = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    cache = IdentityCache(engine)
    assert _until(lambda: cache.live)
    _, generation = cache.get("token")
    cache.put("token", ("kept",), generation)
    assert cache.get("token")[0] == ("kept",)
    # A row read before a change, stored after the cache heard of it, is not kept.
    cache.forget()
    cache.put("token", ("stale",), generation)
    assert cache.get("token")[0] is None
    _, generation = cache.get("token")
    cache.put("token", ("fresh",), generation)
    with engine.connect() as connection:  # what the tokens table's trigger sends
        connection.execute(text("SELECT pg_notify('assay_access', 'tokens')"))
    assert _until(lambda: cache.get("token")[0] is None, 2)
    engine.dispose()
