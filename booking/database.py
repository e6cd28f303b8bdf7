"""Database plumbing: the declarative base, a UTC datetime type, SQLite transactions,
PostgreSQL's isolation and the pool's check of idle connections."""

import time
from datetime import UTC, datetime

from sqlalchemy import DateTime, Engine, MetaData, event, exc
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

# Named constraints give migrations stable names to drop and alter, on
# PostgreSQL and in SQLite's batch mode alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """An instant: only aware datetimes go in, aware UTC datetimes come out.

    SQLite keeps no offset, so values are normalised to UTC on the way in and
    marked UTC on the way out; PostgreSQL stores them as timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored as an instant")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # What value.replace(tzinfo=UTC) gives, in an eighth of its time (CPython's
            # replace() parses keywords): a feed of 5,000 bookings reads 20,000 instants.
            return datetime.combine(value, value.time(), UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


SQLITE_BEGIN_OPTION = "sqlite_begin"


def configure_sqlite(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, open transactions, so that a
    booking can start one with BEGIN IMMEDIATE: SQLite then lets one writer at
    a time re-check and write, which is what PostgreSQL's exclusion constraint
    guarantees there. Reads still run side by side (WAL).
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # no implicit BEGIN from the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


# A connection that sat in the pool this long is asked whether it still works before
# it is used; one in steady use answered a moment ago.
IDLE_BEFORE_PING = 2.0  # seconds
_RETURNED_AT = "booking.returned_at"


def ping_after_idle(engine: Engine) -> None:
    """SQLAlchemy's pessimistic ping (pool_pre_ping), for connections that sat unused for
    IDLE_BEFORE_PING only. pool_pre_ping asks on every checkout: a round trip on every
    request, two on a booking, where a busy worker's connection answered moments ago.
    A failed ping is a disconnect, handled as pool_pre_ping handles it: every older
    connection of the pool is replaced and the request gets a fresh one. A server that
    drops a connection while it is in steady use fails that one request (a 503 page
    that says to try again), as it would while the request was running anyway."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _taken(dbapi_connection, record, _proxy) -> None:
        # A new connection has no time of return (its info starts empty): it just answered.
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < IDLE_BEFORE_PING:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError() from error  # the pool connects anew
            raise


def pin_read_committed(engine: Engine) -> None:
    """Every transaction on PostgreSQL in READ COMMITTED, whatever the server's default:
    each statement sees what was committed before it began, so a writer that takes its
    lock inside a transaction that began with reads (unit_of_work) re-checks against
    what is committed now. psycopg then begins each transaction with that level named,
    in the same round trip."""

    from psycopg import IsolationLevel  # the PostgreSQL driver, installed with it

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = IsolationLevel.READ_COMMITTED
