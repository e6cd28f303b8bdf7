"""The admin's audit trail: who of the practice viewed a client's details, exported,
erased or changed a booking, and when.

`record_access` is for use cases that change a booking (and for the export and
erasure): it only adds the row, in the caller's unit of work, so the record and
the change commit together. Views are recorded by `record_view`, a use case of
its own that never fails the page it is called from.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import AuditAction, Booking, BookingAudit
from booking.transactions import unit_of_work

log = logging.getLogger(__name__)

# Reloading a page, or going back to it from a form, is one look, not many: a view
# by the same account within this time is not recorded again.
SAME_VIEW = timedelta(minutes=10)
SHOWN = 50  # how many entries the admin's booking page lists

__all__ = ["SHOWN", "AuditAction", "record_access", "record_export", "record_view", "trail_of"]


def record_access(booking: Booking, account_id: int | None, action: AuditAction,
                  now: datetime) -> BookingAudit:
    """Note that the account `account_id` (None: the service itself) did `action` to
    `booking` at `now`. Flushes only: call it inside the use case's unit of work."""
    entry = BookingAudit(booking_id=booking.id, account_id=account_id, action=action, at=now)
    db.session.add(entry)
    db.session.flush()
    return entry


def record_export(booking_id: int, account_id: int, now: datetime) -> None:
    """Note that the account `account_id` downloaded the client's data from this booking.
    Unlike a view, a failed note fails the export: a copy of someone's data must not
    leave without a trace."""
    with unit_of_work(immediate=True):  # a read turned write, as in record_view
        booking = db.session.get(Booking, booking_id)
        if booking is not None:
            record_access(booking, account_id, AuditAction.EXPORTED, now)


def record_view(booking_id: int, account_id: int, now: datetime) -> bool:
    """Note that the account `account_id` opened the page with the client's details of the booking
    (the caller has checked that they may). Returns False, having logged why, when the
    note could not be written: the page is shown all the same, as a database that
    refuses a write must not hide a booking from its therapist."""
    try:
        # Immediate: on SQLite a read turned write could be refused at once by a booking
        # being written; this waits its turn like every other writer.
        with unit_of_work(immediate=True):
            last = db.session.scalar(
                select(BookingAudit.at).where(
                    BookingAudit.booking_id == booking_id, BookingAudit.account_id == account_id,
                    BookingAudit.action == AuditAction.VIEWED)
                .order_by(BookingAudit.at.desc()).limit(1))
            if last is None or now - last >= SAME_VIEW:
                db.session.add(BookingAudit(booking_id=booking_id, account_id=account_id,
                                            action=AuditAction.VIEWED, at=now))
    except SQLAlchemyError as error:
        # Ids and the error's type only: its text may quote the statement's values.
        log.warning("audit: the view of booking %d by account %d was not recorded (%s)",
                    booking_id, account_id, type(error).__name__)
        return False
    return True


def trail_of(booking_id: int, *, limit: int = SHOWN) -> list[BookingAudit]:
    """The booking's audit trail, newest first, at most `limit` entries, with the
    accounts."""
    return list(db.session.scalars(
        select(BookingAudit).where(BookingAudit.booking_id == booking_id)
        .options(joinedload(BookingAudit.account))
        .order_by(BookingAudit.at.desc(), BookingAudit.id.desc()).limit(limit)))
