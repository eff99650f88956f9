"""One store session for a use case: open, one transaction, close."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from assay.settings import Settings
from assay.store.database import Store

__all__ = ["store_session"]


@contextmanager
def store_session(
    settings: Settings, *, exclusive: bool = False, create: bool = True
) -> Iterator[Session]:
    """A session whose work commits together; ``exclusive`` takes the write lock first."""
    store = Store.open(
        settings.store_url,
        settings.evidence_dir,
        create=create,
        make_folder=settings.default_store,
    )
    try:
        with store.transaction(exclusive=exclusive) as session:
            yield session
    finally:
        store.close()
