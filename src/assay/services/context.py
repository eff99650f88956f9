"""What a front end hands every service: the settings, the store and the caller.

A front end makes one ``Context`` per command (CLI, MCP over stdio) or keeps one store for
the life of a server process and gives each request a context with its own caller. The
services use the store they are handed and never open or close one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from assay.core.caller import Caller
from assay.settings import Settings
from assay.store.database import Store
from assay.store.handle import StoreHandle

__all__ = ["Caller", "Context", "open_context"]


@dataclass(frozen=True)
class Context:
    settings: Settings
    stores: StoreHandle
    caller: Caller

    def store(self, *, create: bool = True) -> Store:
        """The store; ``create=False`` for reads: a missing store is a NotFoundError."""
        return self.stores.get(create=create)

    @contextmanager
    def transaction(self, *, exclusive: bool = False, create: bool = True) -> Iterator[Session]:
        """A session whose work commits together; ``exclusive`` takes the write lock first."""
        with self.store(create=create).transaction(exclusive=exclusive) as session:
            yield session

    def acting_as(self, caller: Caller) -> Context:
        """The same settings and store for another caller (a server's next request)."""
        return replace(self, caller=caller)

    def close(self) -> None:
        self.stores.close()


def open_context(settings: Settings, caller: Caller, *, long_lived: bool = False) -> Context:
    """A context over ``settings``' store, opened when first used; close it when done
    (``long_lived``: a server's, kept for the life of the process)."""
    stores = StoreHandle(
        settings.store_url,
        settings.evidence_dir,
        make_folder=settings.default_store,
        long_lived=long_lived,
    )
    return Context(settings, stores, caller)
