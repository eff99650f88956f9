"""One row by its key, read on the database driver's own cursor (the hot reads of a
server: a hand-off polled by agents, the hand-off a transition locks).

Why not ``Connection.execute``: for every execution SQLAlchemy builds the result's
metadata from the cursor's description, and psycopg makes a column object per column
for it. On the hand-off read (19 columns) that was a fifth of a whole request's work:
callgrind counted 1.84 million instructions per ``GET /api/v1/handoffs/{id}`` through
``Connection.execute`` and 1.48 million with this read. SQLAlchemy still does the rest:
it compiles the statement once per dialect, and every value goes through its column
type's own result processor, so a row holds what ``Connection.execute`` would give.
(These reads do not pass through SQLAlchemy's statement log or its execution events.)
"""

from __future__ import annotations

import contextlib
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError

__all__ = ["KeyedRead"]


@dataclass(frozen=True)
class _Plan:
    sql: str
    order: tuple[str, ...] | None
    """Parameter names in order, for drivers with positional parameters (sqlite3)."""
    processors: tuple[Callable[[Any], Any] | None, ...]


class KeyedRead:
    """``statement`` (a SELECT whose parameters need no conversion, such as a string key)
    run on a connection's driver cursor; ``first`` gives its first row or None."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self.row: Any = namedtuple("KeyedRow", statement.selected_columns.keys())  # type: ignore[misc]
        self._plans: dict[tuple[str, str], _Plan] = {}

    def first(self, connection: Connection, **params: Any) -> Any | None:
        dialect = connection.dialect
        plan = self._plans.get((dialect.name, dialect.driver)) or self._plan(dialect)
        driver = connection.connection.dbapi_connection
        assert driver is not None  # a Connection in use holds a driver connection
        values = params if plan.order is None else tuple(params[n] for n in plan.order)
        cursor = None
        try:
            cursor = driver.cursor()
            cursor.execute(plan.sql, values)
            found = cursor.fetchone()
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, driver, cursor):
                # The database dropped the connection: SQLAlchemy, meeting it too,
                # invalidates the connection and every one its pool held as long (they
                # went with it). Its error keeps the database's reason.
                try:
                    return connection.execute(self.statement, params).first()
                except DBAPIError as again:
                    raise DBAPIError.instance(
                        plan.sql,
                        values,
                        exc,
                        dialect.loaded_dbapi.Error,
                        connection_invalidated=again.connection_invalidated,
                        dialect=dialect,
                    ) from again
            raise DBAPIError.instance(
                plan.sql, values, exc, dialect.loaded_dbapi.Error, dialect=dialect
            ) from exc
        finally:
            if cursor is not None:
                with contextlib.suppress(dialect.loaded_dbapi.Error):
                    cursor.close()
        if found is None:
            return None
        return self.row._make(
            value if convert is None else convert(value)
            for value, convert in zip(found, plan.processors, strict=True)
        )

    def _plan(self, dialect: Dialect) -> _Plan:
        compiled = self.statement.compile(dialect=dialect)
        for bind in compiled.binds.values():
            if bind.type.dialect_impl(dialect).bind_processor(dialect) is not None:
                raise TypeError(f"parameter {bind.key} needs converting: use Connection.execute")
        processors = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in self.statement.selected_columns
        )
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        plan = _Plan(compiled.string, order, processors)
        self._plans[(dialect.name, dialect.driver)] = plan
        return plan
