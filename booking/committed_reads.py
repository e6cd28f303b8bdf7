"""Small reads of what is committed now, outside the request's transaction: the
keys of the caches (the schedule version, a feed's address and version).

Every answer a cache gives pays for one such read, so on PostgreSQL it skips
most of SQLAlchemy: the statement is still written with SQLAlchemy and compiled
once, then run on a pooled driver connection in autocommit, with the column
types' own conversions applied to the one row (about a third of the cost of
`Connection.execute`, measured in bench/). A request that then needs more opens
its own transaction after this read, never older. Elsewhere (SQLite, one
process) the read goes through the session like any other.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError

from booking.extensions import db

# Per app engine: the engine these reads use.
_READERS: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def key_reader() -> Engine:
    """The engine for `first_row`. On PostgreSQL an engine of its own, in autocommit
    (no BEGIN and ROLLBACK around the read) and without the ping the app's pool
    sends before each use: a dropped connection is replaced when a read finds it.
    Elsewhere the app's engine (the read then goes through the session)."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return engine
    if (reader := _READERS.get(engine)) is None:
        reader = _READERS[engine] = create_engine(
            engine.url, isolation_level="AUTOCOMMIT", pool_size=2, hide_parameters=True,
            pool_reset_on_return=None)  # autocommit: no transaction to roll back
        # Its connections close with the app's (tests, a worker recycled by gunicorn).
        event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
    return reader


# Any select, whatever its columns.
Statement = Select[*tuple[Any, ...]]
# A row: a named tuple whose fields are the statement's columns (typed by them only).
Row = Any


def first_row(statement: Statement, parameters: Mapping[str, Any] | None = None) -> Row | None:
    """The first row of `statement`, as committed now, with its columns by name
    and converted by their types as a session would."""
    reader = key_reader()
    if reader is db.engine:
        return db.session.execute(statement, parameters).first()
    compiled = _compiled(statement, reader.dialect)
    values = compiled.parameters(parameters or {})
    dbapi = reader.dialect.loaded_dbapi
    for attempt in range(2):
        try:
            connection = reader.raw_connection()
        except dbapi.Error as error:  # no server: as SQLAlchemy would raise it
            raise _as_sqlalchemy(error, compiled, values, reader) from error
        try:
            cursor = connection.cursor()
            cursor.execute(compiled.sql, values)
            row = cursor.fetchone()
            cursor.close()
            return None if row is None else compiled.row(row)
        except dbapi.Error as error:
            gone = reader.dialect.is_disconnect(error, connection, None)
            if gone:
                connection.invalidate()  # the pool opens a new one for the second try
            if attempt or not gone:
                raise _as_sqlalchemy(error, compiled, values, reader) from error
        finally:
            connection.close()
    return None  # not reached: the second attempt returns or raises


def _as_sqlalchemy(error: Exception, compiled: _Compiled, values: dict[str, Any],
                   reader: Engine) -> StatementError:
    """The driver's error as SQLAlchemy raises it elsewhere: the error pages know those
    (an unreachable database is a 503, not a 500)."""
    return DBAPIError.instance(compiled.sql, values, error, reader.dialect.loaded_dbapi.Error,
                               hide_parameters=True, dialect=reader.dialect)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    defaults: dict[str, Any]
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...]
    row_type: type

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        values = {**self.defaults, **given}
        for name, process in self.binds:
            values[name] = process(values[name])
        return values

    def row(self, values: tuple[Any, ...]) -> Row:
        return self.row_type(*(value if process is None else process(value)
                               for process, value in zip(self.results, values, strict=True)))


# Statements are built once at import, so they are few: keyed by the statement.
_COMPILED: dict[tuple[int, str], tuple[Statement, _Compiled]] = {}


def _compiled(statement: Statement, dialect: Dialect) -> _Compiled:
    key = (id(statement), dialect.name)
    if (kept := _COMPILED.get(key)) is not None and kept[0] is statement:
        return kept[1]
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("first_row takes statements without expanding parameters")
    binds = tuple((name, process) for name, bind in compiled.binds.items()
                  if (process := bind.type.bind_processor(dialect)) is not None)
    columns = list(statement.selected_columns)
    made = _Compiled(
        sql=compiled.string,
        defaults={name: bind.effective_value for name, bind in compiled.binds.items()
                  if not bind.required},
        binds=binds,
        results=tuple(column.type.result_processor(dialect, None) for column in columns),
        row_type=namedtuple("Row", [column.key or f"column_{n}"
                                    for n, column in enumerate(columns)], rename=True),
    )
    _COMPILED[key] = (statement, made)
    return made
