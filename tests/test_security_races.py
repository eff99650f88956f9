"""Writers that race on a new store: creating a row that may already exist is idempotent.

Issue 19, item 3: four ``assay certify`` started together on a new store; three crashed
with ``UNIQUE constraint failed: projects.name`` in ``ensure_project`` (exit 3).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from assay.errors import UsageError
from assay.services.access import add_principal
from assay.services.releases import create_release
from assay.settings import Settings, load_settings
from assay.store import repositories as repo
from assay.store.database import Store
from assay.store.models import PrincipalRow, ProjectRow, ReleaseRow, RunRow
from conftest import ctx_of

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CREATORS = 4


def _count(store: Store, row: Any) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(row)).scalar_one()


@contextmanager
def _all_read_first(
    engine: Engine | type[Engine], table: str, key: str, parties: int
) -> Iterator[threading.Barrier]:
    """Hold each thread after its first look-up of a ``table`` row by ``key`` until
    ``parties`` threads have made theirs: every writer has looked and found no row before
    any of them writes, the interleaving in which the losers failed. A SELECT outside an
    explicit BEGIN holds no lock on either back end, so no writer waits on another here."""
    barrier = threading.Barrier(parties, timeout=30)
    held: set[int] = set()

    def hold(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if (
            statement.startswith(f"SELECT {table}.id")
            and f"WHERE {table}.{key} = " in statement
            and threading.get_ident() not in held
        ):
            held.add(threading.get_ident())
            barrier.wait()

    event.listen(engine, "after_cursor_execute", hold)
    try:
        yield barrier
    finally:
        event.remove(engine, "after_cursor_execute", hold)


def _together(work: Callable[[int], None], parties: int = CREATORS) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            work(index)
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a creator never finished"
    return errors


# Loaded into each ``assay certify`` process of the test below: holds the process after
# its first look-up of the project row until every process has made its own, so that all
# find no row before any of them creates it (left to timing, the race is lost only when
# the processes' collection steps happen to end together).
RACE_HOOK = """
import os, time
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.engine import Engine

_folder = Path(os.environ["ASSAY_TEST_RACE_DIR"])
_parties = int(os.environ["ASSAY_TEST_RACE_PARTIES"])
_held = []

@event.listens_for(Engine, "after_cursor_execute")
def _hold(_conn, _cursor, statement, *_args):
    if _held or not statement.startswith("SELECT projects.id"):
        return
    if "WHERE projects.name = " not in statement:
        return
    _held.append(True)
    (_folder / str(os.getpid())).touch()
    deadline = time.monotonic() + 120
    while len(list(_folder.iterdir())) < _parties and time.monotonic() < deadline:
        time.sleep(0.01)
"""
RUN_WITH_HOOK = "import race_hook, runpy; runpy.run_module('assay.cli.main', run_name='__main__')"


def test_certify_processes_started_together_on_a_new_store_all_give_a_verdict(
    example_project: Path, tmp_path: Path
) -> None:
    """The real command, four at once on a store none of them finds: every one stores its
    run under the one project row and answers with a verdict (exit 0 or 1)."""
    url = f"sqlite:///{tmp_path / 'store' / 'assay.db'}"
    (tmp_path / "store").mkdir()
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "race_hook.py").write_text(RACE_HOOK, encoding="utf-8")
    (tmp_path / "arrived").mkdir()
    env = {
        **os.environ,
        "COLUMNS": "200",
        "ASSAY_STORE_URL": url,
        "ASSAY_STORE_DIR": str(tmp_path / "state"),
        "ASSAY_TEST_RACE_DIR": str(tmp_path / "arrived"),
        "ASSAY_TEST_RACE_PARTIES": str(CREATORS),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(hooks), os.environ.get("PYTHONPATH")])),
    }
    # As conftest.run_assay runs it (python -m assay.cli.main), with the hook imported first.
    command = [sys.executable, "-c", RUN_WITH_HOOK, "certify", str(example_project)]
    children = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(CREATORS)
    ]
    outputs = [c.communicate(timeout=600) for c in children]
    results = [(c.returncode, *o) for c, o in zip(children, outputs, strict=True)]
    assert len(list((tmp_path / "arrived").iterdir())) == CREATORS  # the hook held them all
    for code, out, err in results:
        assert code in (0, 1), f"exit {code}\n{out}\n{err}"
        assert "Traceback" not in err and "Traceback" not in out, err
    store = Store.open(url, tmp_path / "state" / "evidence", migrate=False)
    try:
        assert _count(store, ProjectRow) == 1
        assert _count(store, RunRow) == CREATORS
    finally:
        store.close()


def test_concurrent_ensure_project_ends_with_one_row_and_no_failure(
    store_url: str, tmp_path: Path
) -> None:
    """Threads that all find no project, then all create it: none fails, all get the one
    row, on SQLite and PostgreSQL."""
    store = Store.open(store_url, tmp_path / "evidence")
    ids: list[str] = []

    def create(index: int) -> None:
        with store.transaction() as session:
            row = repo.ensure_project(session, "shop", f"/src/shop-{index}", NOW)
            ids.append(row.id)

    try:
        with _all_read_first(store.engine, "projects", "name", CREATORS):
            errors = _together(create)
        assert not errors, errors
        assert len(ids) == CREATORS and len(set(ids)) == 1
        assert _count(store, ProjectRow) == 1
        with store.transaction() as session:
            again = repo.ensure_project(session, "shop", None, NOW)
            assert again.id == ids[0] and again.name == "shop"
            assert again.root in {f"/src/shop-{i}" for i in range(CREATORS)}
    finally:
        store.close()


def test_concurrent_runs_of_a_new_project_all_store_their_run(
    store_url: str, tmp_path: Path
) -> None:
    """The transaction certify stores its run in, four at once: one project, four runs."""
    store = Store.open(store_url, tmp_path / "evidence")

    def record(index: int) -> None:
        with store.transaction() as session:
            owner = repo.ensure_project(session, "shop", "/src/shop", NOW)
            repo.add_run(
                session,
                RunRow(
                    id=repo.new_id(),
                    project_id=owner.id,
                    started_at=NOW,
                    finished_at=NOW,
                    status="completed",
                    verdict="not ready",
                    assay_version="0.1.0",
                    author=f"ci-{index}",
                ),
            )

    try:
        with _all_read_first(store.engine, "projects", "name", CREATORS):
            errors = _together(record)
        assert not errors, errors
        assert _count(store, ProjectRow) == 1
        assert _count(store, RunRow) == CREATORS
    finally:
        store.close()


def _settings(store_url: str, tmp_path: Path) -> Settings:
    folder = tmp_path / "app"
    folder.mkdir(exist_ok=True)
    (folder / "assay.toml").write_text(f'[store]\nurl = "{store_url}"\n', encoding="utf-8")
    return load_settings(folder)


# On SQLite these writers take the write lock before they read (exclusive transactions):
# they never race. PostgreSQL runs them side by side.
@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_concurrent_creators_of_one_principal_get_one_row_and_a_clear_refusal(
    store_url: str, tmp_path: Path
) -> None:
    """Two admins adding the same principal at once: one row; the other is told that it
    exists (a UsageError, exit 2), not an IntegrityError from the database (exit 3)."""
    settings = _settings(store_url, tmp_path)
    store = Store.open(settings.store_url, settings.evidence_dir)
    try:
        with _all_read_first(Engine, "principals", "name", 2):
            errors = _together(
                lambda _i: add_principal(
                    ctx_of(settings), "admin", "ci-bot", "agent", ["agent"], NOW
                ),
                parties=2,
            )
        assert len(errors) == 1 and isinstance(errors[0], UsageError), errors
        assert "already exists" in str(errors[0])
        assert _count(store, PrincipalRow) == 1
    finally:
        store.close()


@pytest.mark.parametrize("store_url", ["postgresql"], indirect=True)
def test_concurrent_creators_of_one_release_get_one_row_and_a_clear_refusal(
    store_url: str, tmp_path: Path
) -> None:
    """Two CI jobs creating release 1.0 at once: one row; the other is told that it
    exists, not an IntegrityError from the database."""
    settings = _settings(store_url, tmp_path)
    store = Store.open(settings.store_url, settings.evidence_dir)
    try:
        with store.transaction() as session:
            owner = repo.ensure_project(session, "shop", None, NOW)
            repo.add_run(
                session,
                RunRow(
                    id=repo.new_id(),
                    project_id=owner.id,
                    started_at=NOW,
                    finished_at=NOW,
                    status="completed",
                    verdict="ready",
                    assay_version="0.1.0",
                    author="ci",
                ),
            )
        with _all_read_first(Engine, "releases", "project_id", 2):
            errors = _together(
                lambda i: create_release(
                    ctx_of(settings), "shop", "1.0", run=None, by=f"ci-{i}", now=NOW
                ),
                parties=2,
            )
        assert len(errors) == 1 and isinstance(errors[0], UsageError), errors
        assert "already exists" in str(errors[0])
        assert _count(store, ReleaseRow) == 1
    finally:
        store.close()
