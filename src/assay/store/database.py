"""Opening the store: engine set-up for SQLite (WAL) or PostgreSQL, and migrations."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from assay.errors import ConfigError, NotFoundError, StoreError, UsageError
from assay.store.identities import IdentityCache, SqliteIdentities
from assay.store.locker import EvidenceLocker
from assay.store.migrations import SCHEMA_HEAD

__all__ = ["Store", "ensure_writable", "normalise_url"]

T = TypeVar("T")

_MIGRATIONS = "assay.store:migrations"
_MIGRATION_LOCK = 0x61737361  # "assa": the advisory lock key that serialises migrations


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written without a driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass
class Store:
    """The database and the evidence locker, opened together."""

    engine: Engine
    locker: EvidenceLocker
    sessions: sessionmaker[Session]
    shared: bool = False
    """Kept open by a long-running server for its life (``Store.open(long_lived=True)``):
    its event loop keeps one read connection and the token rows it read."""
    reader: Engine | None = None
    """Where ``reads`` connect: on PostgreSQL an engine of its own whose connections are in
    autocommit mode from the start (set per checkout, the mode cost a round trip or two
    and a reset each time); SQLite reads use the main engine (a SELECT there begins no
    transaction)."""
    _thread_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _lock_file: BinaryIO | None = field(default=None, repr=False)
    _held: Connection | None = field(default=None, repr=False)
    _identities: IdentityCache | SqliteIdentities | None = field(default=None, repr=False)

    @classmethod
    def open(
        cls,
        url: str,
        evidence_dir: Path,
        *,
        migrate: bool = True,
        create: bool = True,
        make_folder: bool = False,
        long_lived: bool = False,
    ) -> Store:
        """Open the store at ``url``; with ``create=False`` a missing SQLite file is an error.

        A new SQLite file's folder must exist: only with ``make_folder`` (the default store
        in the project's state folder) is it created, so a mistyped URL is an error rather
        than a new, empty store somewhere."""
        given = url
        url = normalise_url(url)
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ConfigError(
                f"store URL {url!r} is not a database URL",
                hint=_SUPPORTED,
            ) from exc
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise ConfigError(
                f"store URL {url.split(':', 1)[0]}:// is not supported: Assay keeps its store "
                "in SQLite or PostgreSQL",
                hint=_SUPPORTED,
            )
        database = _sqlite_file(parsed)
        if database is not None:
            if not create and not database.exists():
                raise NotFoundError(
                    f"no Assay store at {database}",
                    hint="create one with: assay certify -C PATH (or pass --store URL)",
                )
            if not database.parent.is_dir() and not make_folder:
                raise _no_folder(database, given)
            try:
                # Only its owner reads the store: the folder 0700, the database 0600
                # (SQLite gives its -wal and -shm files the database file's mode).
                database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                if not database.exists():
                    os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
            except OSError as exc:
                raise StoreError(f"cannot create the store folder: {exc.strerror}") from exc
        try:
            engine = create_engine(url, **_engine_options(parsed.get_backend_name()))
        except (ArgumentError, ModuleNotFoundError) as exc:
            raise ConfigError(
                f"cannot use store URL {given!r}: its database driver is not available",
                hint=_SUPPORTED,
            ) from exc
        reader = None
        event.listen(engine, "before_cursor_execute", _no_nul)
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            # Autocommit connections hold no transaction: nothing to roll back on return.
            options = {**_engine_options(parsed.get_backend_name()), "pool_size": 5}
            options["pool_reset_on_return"] = None
            reader = create_engine(url, isolation_level="AUTOCOMMIT", **options)
        store = cls(
            engine,
            EvidenceLocker(evidence_dir),
            sessionmaker(engine, expire_on_commit=False),
            reader=reader,
        )
        if migrate:
            store.migrate()
        store.shared = long_lived
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is current)."""
        if self.schema_revision() == SCHEMA_HEAD:
            return
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", _MIGRATIONS)
        head = ScriptDirectory.from_config(config).get_current_head()
        # Server processes start together: one migrates while the others wait, then find
        # the schema current (SQLite: the writers' lock; PostgreSQL: an advisory lock held
        # until the migration commits).
        try:
            with self._writers(), self.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                    )
                current = MigrationContext.configure(connection).get_current_revision()
                if current == head:
                    return
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise _unavailable(exc) from exc

    def check_writable(self) -> None:
        """StoreError when the database takes no writes (a read-only file, folder or URL,
        a standby server): found before a use case does its work, not after."""
        try:
            with self.engine.connect() as connection:
                if connection.dialect.name == "sqlite":
                    # A write, rolled back: SQLite grants BEGIN IMMEDIATE on a read-only
                    # database in WAL mode and refuses only the first change.
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                    version = connection.exec_driver_sql("PRAGMA user_version").scalar()
                    connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
                    connection.rollback()
                    return
                read_only = connection.exec_driver_sql("SHOW transaction_read_only").scalar()
        except OperationalError as exc:
            raise _unavailable(exc) from exc
        if read_only == "on":
            raise StoreError(
                "the store's database is read-only (a standby, or read-only by default)",
                hint="point --store or ASSAY_STORE_URL at the primary server",
            )

    def schema_revision(self) -> str | None:
        """The revision the database is at, or None for an empty database."""
        try:
            with self.engine.connect() as connection:
                if not inspect(connection).has_table("alembic_version"):
                    return None
                revision = connection.execute(text("SELECT version_num FROM alembic_version"))
                return revision.scalar()
        except OperationalError as exc:
            raise _unavailable(exc) from exc

    @contextmanager
    def transaction(self, *, exclusive: bool = False) -> Iterator[Session]:
        """A session whose work is committed together, or not at all.

        ``exclusive`` serialises writers that read before they write (a sign-off checks the
        release's sign-offs, then adds one): SQLite takes its write lock at the start
        (BEGIN IMMEDIATE); on PostgreSQL the caller locks the rows it reads FOR UPDATE.
        """
        queue = self._writers() if exclusive else contextlib.nullcontext()
        with queue:
            session = self.sessions()
            try:
                if exclusive and self.engine.dialect.name == "sqlite":
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise _unavailable(exc) from exc
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A read-only session whose statements all see the database as it was at its first
        read: a writer committing between two of them changes neither.

        Readers that compare tables (the audit log's entries against its checkpoints) need
        this; PostgreSQL's default READ COMMITTED gives each statement its own snapshot, and
        SQLite without BEGIN runs each statement in a transaction of its own.
        """
        session = self.sessions()
        try:
            if self.engine.dialect.name == "sqlite":
                session.connection().exec_driver_sql("BEGIN")
            else:
                session.connection(
                    execution_options={"isolation_level": "REPEATABLE READ"}
                ).exec_driver_sql("SET TRANSACTION READ ONLY")
            yield session
        except OperationalError as exc:
            raise _unavailable(exc) from exc
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def _writers(self) -> Iterator[None]:
        """Queue SQLite writers on a lock of the operating system before BEGIN IMMEDIATE.

        SQLite's own busy handler sleeps and retries (1 ms up to 100 ms a time): under many
        writers, throughput collapses and the slowest wait seconds. Waiting on a thread lock
        (within the process) and ``flock`` on a file beside the database (between
        processes) wakes the next writer the moment the lock is free; SQLite's lock then
        only guards against writers that do not queue here.
        """
        database = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not database or database == ":memory:":
            yield
            return
        with self._thread_lock:
            if self._lock_file is None:
                self._lock_file = Path(f"{database}.writer-lock").open("a+b")  # noqa: SIM115
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_UN)

    def reads(self) -> contextlib.AbstractContextManager[Connection]:
        """A connection for reads of one statement each, in autocommit mode: no BEGIN and
        no ROLLBACK around them (two round trips fewer on PostgreSQL).

        A server's event loop (the main thread of a shared store) keeps one such
        connection for good: its reads run one after another, and a checkout from the
        pool and back cost more than the read itself (measured on PostgreSQL: 100 of
        250 us). A connection lost with the database is replaced on the next read. (A
        SQLite SELECT outside BEGIN holds no snapshot once its rows are read.)"""
        engine = self.reader or self.engine
        if not self.shared or threading.current_thread() is not threading.main_thread():
            return engine.connect()
        if self._held is None or self._held.invalidated or self._held.closed:
            if self._held is not None:
                self._held.close()
                if self._identities is not None:  # SQLite's data version is per connection
                    self._identities.forget()
            self._held = engine.connect()
        return contextlib.nullcontext(self._held)

    def read(self, work: Callable[[Connection], T], *, again: bool = True) -> T:
        """``work``'s reads, on a connection from ``reads``. A connection the database
        dropped (a restart, an idle timeout, an administrator) is replaced and ``work``
        runs ``again``, once: reads change nothing, so the caller never sees the drop. A
        store that cannot be reached is a StoreError (an API answers 503)."""
        try:
            with self.reads() as connection:
                return work(connection)
        except OperationalError as exc:
            if again and exc.connection_invalidated:
                return self.read(work, again=False)
            raise _unavailable(exc) from exc

    def identities(self) -> IdentityCache | SqliteIdentities | None:
        """The token rows this process keeps (see ``store.identities``), for a store kept
        open by a server; on SQLite only for the reads of its event loop (its one kept
        connection). None otherwise."""
        if not self.shared:
            return None
        if self.reader is None and threading.current_thread() is not threading.main_thread():
            return None
        with self._thread_lock:
            if self._identities is None:
                self._identities = (
                    IdentityCache(self.reader) if self.reader is not None else SqliteIdentities()
                )
        return self._identities

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    def close(self) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None
        self.engine.dispose()
        if self.reader is not None:
            self.reader.dispose()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def ensure_writable(url: str, evidence_dir: Path, *, make_folder: bool = False) -> None:
    """Raise now the error a write to the store at ``url`` would meet later: a missing
    folder, a file, folder or server that takes no writes. Creates nothing."""
    try:
        store = Store.open(url, evidence_dir, migrate=False, create=False)
    except NotFoundError:  # no store yet: the first write creates it, in this folder
        database = _sqlite_file(make_url(normalise_url(url)))
        if database is None:
            return
        if not database.parent.is_dir():
            if make_folder:
                return
            raise _no_folder(database, url) from None
        if not os.access(database.parent, os.W_OK):
            raise StoreError(
                f"the store's folder {database.parent} is read-only",
                hint="make the folder writable, or pass --store with a store you may write",
            ) from None
        return
    try:
        store.check_writable()
    finally:
        store.close()


def _no_folder(database: Path, given: str) -> ConfigError:
    return ConfigError(
        f"no folder {database.parent} for the store {given}",
        hint="check the store URL (--store, ASSAY_STORE_URL or [store] url) for a typo, or "
        "create the folder first",
    )


_SUPPORTED = (
    "use sqlite:///path/to/assay.db or postgresql://user@host/db (the supported schemes: "
    "sqlite, postgresql, postgres)"
)


def _sqlite_file(parsed: URL) -> Path | None:
    """The file of a SQLite URL (also of a ``file:`` URI with ``uri=true``); None for
    other back ends and in-memory databases."""
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    name = parsed.database
    if name == ":memory:":
        return None
    if str(parsed.query.get("uri", "")).lower() in ("true", "1") and name.startswith("file:"):
        name = name.removeprefix("file:").split("?", 1)[0]
    return Path(name)


def _engine_options(backend: str) -> dict[str, Any]:
    # A server answers many requests at once: keep enough connections open that none is
    # opened (and set up) per request.
    pool = {"pool_size": 20, "max_overflow": 20}
    if backend == "sqlite":
        return {"connect_args": {"timeout": 15}, **pool}
    # No pre-ping (a round trip on every checkout, four per API write): a connection the
    # server dropped fails its request with a 503, and SQLAlchemy then replaces every
    # pooled connection of that pool; recycling bounds how stale one can get.
    return {"pool_recycle": 300, **pool}


def _no_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, many: bool
) -> None:
    """No text with a NUL character reaches either back end: PostgreSQL refuses it (a 500
    deep inside a request), SQLite would keep it. Whatever the front end, the writer is
    told, and nothing of the transaction is stored."""
    for row in parameters if many else (parameters,):
        values = row.values() if isinstance(row, dict) else row or ()
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise UsageError(
                "the input holds a NUL character, which Assay does not store",
                hint="remove NUL characters (\\0, \\u0000) from names, ids and text",
            )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL keeps every commit through a crash of the process (a test kills
    # appenders with SIGKILL); only a power loss may lose the last commits, and saves an
    # fsync per transaction.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


def _unavailable(exc: SQLAlchemyError) -> StoreError:
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    if getattr(exc, "connection_invalidated", False):
        return StoreError(
            f"the database dropped the connection: {text}",
            hint="retry: the next request gets a new connection",
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"the store is read-only: {text}",
            hint="make the database file and its folder writable, or pass --store with a "
            "store you may write",
        )
    if "locked" in text:
        return StoreError(
            f"the store is locked by another process: {text}",
            hint="wait for the other Assay command to finish, then retry",
        )
    return StoreError(
        f"cannot use the store: {text}",
        hint="check that the database is running and ASSAY_STORE_URL is right",
    )
