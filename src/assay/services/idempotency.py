"""Idempotency keys: a creating request sent again with the same key gets the first
answer back instead of creating twice. Keys are per principal and kept in the store, so
every server process sharing the database honours them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from assay.errors import Conflict, UsageError
from assay.services.context import Context
from assay.store.models import IdempotencyRow

__all__ = ["Replay", "begin", "finish", "forget", "request_digest"]

_PENDING = 0


@dataclass(frozen=True)
class Replay:
    status: int
    body: str


def request_digest(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def begin(ctx: Context, principal: str, key: str, digest: str, now: datetime) -> Replay | None:
    """The stored answer when ``key`` was used for this very request; None (and the key
    reserved) when it is new; Conflict when it was used for another request or its first
    request is still being answered."""
    if not 1 <= len(key) <= 200:
        raise UsageError("an Idempotency-Key has 1 to 200 characters", hint="send a UUID")
    try:
        with ctx.transaction(create=False) as session:
            row = session.get(IdempotencyRow, (principal, key))
            if row is None:
                session.add(
                    IdempotencyRow(
                        principal=principal,
                        key=key,
                        request_sha256=digest,
                        status=_PENDING,
                        body="",
                        created_at=now,
                    )
                )
                return None
            if row.request_sha256 != digest:
                raise Conflict(
                    f"Idempotency-Key {key!r} was already used for a different request",
                    hint="use a new key for a new request",
                )
            if row.status == _PENDING:
                raise Conflict(
                    f"the first request with Idempotency-Key {key!r} is still being answered",
                    hint="retry in a moment",
                )
            return Replay(row.status, row.body)
    except IntegrityError as exc:  # another process reserved the key in between
        raise Conflict(
            f"the first request with Idempotency-Key {key!r} is still being answered",
            hint="retry in a moment",
        ) from exc


def finish(ctx: Context, principal: str, key: str, status: int, body: str) -> None:
    with ctx.transaction(create=False) as session:
        row = session.get(IdempotencyRow, (principal, key))
        if row is not None:
            row.status, row.body = status, body


def forget(ctx: Context, principal: str, key: str) -> None:
    """Release a key whose request failed, so that it can be retried."""
    with ctx.transaction(create=False) as session:
        row = session.get(IdempotencyRow, (principal, key))
        if row is not None and row.status == _PENDING:
            session.delete(row)
