"""The one way a service use case owns its write transaction: `unit_of_work()`.

Every use case runs its writes inside exactly one `with unit_of_work(): ...`; the
helpers it calls only flush. So a use case never leaves half its writes, or its
locks, behind, and nobody commits in the middle of someone else's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from booking.database import SQLITE_BEGIN_OPTION
from booking.extensions import db


@contextmanager
def unit_of_work(*, immediate: bool = False) -> Iterator[None]:
    """Commit what the block did, or, if it raises, roll all of it back and re-raise.

    `immediate` starts a fresh transaction for a writer that re-checks under a lock
    what it reads (schedule.lock_schedule, claiming outbox rows or calendars): a read
    transaction the request may have opened is ended first, so the lock covers
    everything the block reads, and SQLite begins with BEGIN IMMEDIATE, which lets
    one such writer in at a time (PostgreSQL uses row locks and constraints instead).
    Without it, the block joins the session's current transaction.
    """
    session = db.session()
    if immediate:
        if session.in_transaction():
            session.rollback()
        session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
