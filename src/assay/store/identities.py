"""Token rows a server process has read, kept while PostgreSQL says nothing changed.

Every API request identifies its bearer token. On PostgreSQL that read was one of the
two round trips of a hand-off read, and each round trip costs both processes CPU on a
small machine (bench/api.py). A server therefore keeps the rows it read, and drops them
all when PostgreSQL says the tokens or principals changed:

- migration 0008 puts a trigger on both tables that notifies the channel ``assay_access``
  when a statement changes them, delivered when its transaction commits;
- a thread per process listens on the channel on a connection of its own, and empties
  the cache on each notification;
- while that connection is down (and until it is listening again), nothing is kept:
  every request reads its token;
- a row read before a change but stored after the notification is not stored (the
  cache's generation moved on), and no row is kept longer than ``TTL`` seconds anyway.

So a revoked token or a suspended principal is refused by every server as soon as the
notification arrives (milliseconds); the process that made the change forgets at once.

SQLite has no notifications, but each connection can ask whether any other connection
(of any process) committed since it last asked: ``PRAGMA data_version``, answered from
the shared WAL index without a read. A server's event loop keeps one connection for its
reads (``Store.reads``); ``SqliteIdentities`` keeps rows read on it only while its data
version stays the same, so any commit to the store (a revocation, or anything else)
empties it before the next request, with no window at all.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy.engine import Connection, Engine

__all__ = ["CHANNEL", "TTL", "IdentityCache", "SqliteIdentities"]

CHANNEL = "assay_access"
TTL = 5.0
_LIMIT = 10_000
"""Rows kept at most: past this, the cache starts again (only known tokens are kept)."""


class IdentityCache:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rows: dict[str, tuple[float, Any]] = {}
        self.generation = 0
        self.live = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._listen, name="assay-identities", daemon=True)
        self.thread.start()

    def get(self, key: str, _connection: Connection | None = None) -> tuple[Any | None, int]:
        """The row kept for ``key`` (None if none), and the generation a row read now is to
        be stored under."""
        with self.lock:
            if not self.live:
                return None, -1
            hit = self.rows.get(key)
            if hit is not None and time.monotonic() - hit[0] < TTL:
                return hit[1], self.generation
            return None, self.generation

    def put(self, key: str, row: Any, generation: int) -> None:
        """Keep ``row``, unless something changed since it was read (or nothing is kept)."""
        with self.lock:
            if not self.live or generation != self.generation:
                return
            if len(self.rows) >= _LIMIT:
                self.rows.clear()
            self.rows[key] = (time.monotonic(), row)

    def forget(self, *, live: bool | None = None) -> None:
        """Drop every row; ``live`` says whether rows may be kept from now on."""
        with self.lock:
            self.rows.clear()
            self.generation += 1
            if live is not None:
                self.live = live

    def _listen(self) -> None:
        while True:
            try:
                pooled = self.engine.raw_connection()
                connection: Any = pooled.driver_connection  # a psycopg connection
                pooled.detach()  # this connection only listens: it never goes back
                try:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.forget(live=True)
                    while True:
                        for _ in connection.notifies(timeout=1.0):
                            self.forget()
                finally:
                    connection.close()
            except Exception:
                self.forget(live=False)
                time.sleep(1.0)


class SqliteIdentities:
    """Rows read on one connection, kept while no other connection has committed."""

    def __init__(self) -> None:
        self.rows: dict[str, Any] = {}
        self.version: int | None = None
        self.lock = threading.Lock()

    def get(self, key: str, connection: Connection) -> tuple[Any | None, int]:
        driver: Any = connection.connection.driver_connection  # a sqlite3 connection
        (version,) = driver.execute("PRAGMA data_version").fetchone()
        with self.lock:
            if version != self.version:
                self.rows.clear()
                self.version = version
            return self.rows.get(key), version

    def put(self, key: str, row: Any, generation: int) -> None:
        with self.lock:
            if generation != self.version:
                return
            if len(self.rows) >= _LIMIT:
                self.rows.clear()
            self.rows[key] = row

    def forget(self, *, live: bool | None = None) -> None:
        with self.lock:
            self.rows.clear()
            self.version = None
