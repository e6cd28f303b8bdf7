"""The one way a service use case owns its write transaction: `unit_of_work()`.

Every use case runs its writes inside exactly one `with unit_of_work(): ...`; the
helpers it calls only flush. So a use case never leaves half its writes, or its
locks, behind, and nobody commits in the middle of someone else's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from booking.database import SQLITE_BEGIN_OPTION
from booking.extensions import db


@contextmanager
def unit_of_work(*, immediate: bool = False) -> Iterator[None]:
    """Commit what the block did, or, if it raises, roll all of it back and re-raise.

    `immediate` is for a writer that re-checks under a lock what it reads
    (schedule.lock_schedule, claiming outbox rows or calendars): the lock covers
    everything the block reads, also after reads the request made before (see
    _begin_for_writer), and SQLite begins with BEGIN IMMEDIATE, which lets one such
    writer in at a time (PostgreSQL uses row locks and constraints instead).
    Without it, the block joins the session's current transaction.
    """
    session = db.session()
    if immediate:
        _begin_for_writer(session)
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def _begin_for_writer(session: Session) -> None:
    """A transaction in which a writer's lock covers everything it then reads.

    On PostgreSQL (READ COMMITTED, database.pin_read_committed) every statement sees
    what is committed when it starts, so a read transaction the request opened is
    simply continued: what the session loaded in it is expired (to be read again, now),
    which spares the ROLLBACK, a second checkout and BEGIN. SQLite must end it and
    begin with BEGIN IMMEDIATE, which lets one such writer in at a time."""
    transaction = session.get_transaction()
    if session.get_bind().dialect.name == "postgresql" and (transaction is None or (
            transaction.is_active and not _holds_writes(session))):
        session.expire_all()
        return
    if transaction is not None:
        session.rollback()  # and whatever was written before the block with it, as ever
    session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


# Set when a flush wrote in the session's current transaction, dropped when it ends.
_WROTE = "booking.wrote"


def _holds_writes(session: Session) -> bool:
    """Whether the open transaction holds writes made outside any unit of work (which
    the design forbids): those are rolled back, not committed with the writer's."""
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


@event.listens_for(Session, "after_flush")
def _wrote(session: Session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
