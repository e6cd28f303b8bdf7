"""Erasing a client's personal data from bookings: on request, and by the retention
rule once a booking lies far enough in the past."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from booking.extensions import db
from booking.models import Actor, AuditAction, Booking, OutboxMessage, OutboxStatus
from booking.services import audit, waivers
from booking.services.bookings import locked_booking
from booking.tokens import token_hash
from booking.transactions import unit_of_work


def erase_personal_data(booking_id: int, *, now: datetime,
                        by_account_id: int | None = None) -> Booking:
    """Delete the client's personal data from a booking that holds no time ahead (as
    the mails promise, on request): their details, message, notes and the practice's
    exceptions for their address; mail not sent yet is not sent. The manage link dies; time,
    therapist, source and history stay. InvalidTransition for an upcoming booking.
    The admin `by_account_id` is noted in the audit trail."""
    with unit_of_work():
        booking = locked_booking(booking_id)
        if booking.erased_at is None:  # else a second click
            _erase(booking, now, by=Actor.PRACTICE)
            audit.record_access(booking, by_account_id, AuditAction.ERASED, now)
    return booking


def erase_old(now: datetime, *, keep: timedelta, batch: int = 100) -> int:
    """Erase the personal data of bookings whose time and last change both lie more
    than `keep` in the past (storage limitation, GDPR Art. 5); returns how many."""
    cutoff = now - keep
    with unit_of_work():
        old = db.session.scalars(
            select(Booking).where(Booking.erased_at.is_(None), Booking.end_utc < cutoff,
                                  Booking.updated_at < cutoff)
            .order_by(Booking.id).limit(batch).with_for_update(skip_locked=True)).all()
        for booking in old:
            _erase(booking, now, by=Actor.SYSTEM)
    return len(old)


def _erase(booking: Booking, now: datetime, *, by: Actor) -> None:
    email_key = booking.visitor_email_key
    booking.erase(now, dead_link_hash=token_hash(secrets.token_urlsafe(32)), by=by)
    # Queued mail is skipped at delivery (notifications.is_obsolete), also mail a
    # worker holds right now; failed mail leaves the admin's re-send list.
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.booking_id == booking.id,
        OutboxMessage.status == OutboxStatus.FAILED).values(status=OutboxStatus.SKIPPED))
    if email_key:
        waivers.revoke_for(email_key)
