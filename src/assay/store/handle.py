"""The one store of a command, or of a server process for its life.

A front end makes the handle and closes it; the services it calls use the store through
it and never open or close one themselves. The store opens on first use, so a command
that turns out to need no store (or finds none where it only reads) creates nothing.
"""

from __future__ import annotations

import threading
from pathlib import Path

from assay.store.database import Store

__all__ = ["StoreHandle"]


class StoreHandle:
    """Opens ``url`` once, when first asked, and keeps it until ``close``."""

    def __init__(
        self,
        url: str,
        evidence_dir: Path,
        *,
        make_folder: bool = False,
        long_lived: bool = False,
    ) -> None:
        self.url = url
        self.evidence_dir = evidence_dir
        self.make_folder = make_folder
        """The default store, in the project's state folder: its folder may be created."""
        self.long_lived = long_lived
        """A server's store: see ``Store.shared``."""
        self._store: Store | None = None
        self._lock = threading.Lock()

    def get(self, *, create: bool = True) -> Store:
        """The store; with ``create=False`` a missing SQLite store is a NotFoundError
        (a read has nothing to read) and nothing is created."""
        store = self._store
        if store is not None:
            return store
        with self._lock:
            if self._store is None:
                self._store = Store.open(
                    self.url,
                    self.evidence_dir,
                    create=create,
                    make_folder=self.make_folder,
                    long_lived=self.long_lived,
                )
            return self._store

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
