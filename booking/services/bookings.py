"""The booking life cycle: book a slot (and, in later steps, confirm, move, cancel)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking import availability, validation
from booking.errors import NotFound, SlotUnavailable
from booking.extensions import db
from booking.models import Booking, BookingStatus, SessionType, Therapist
from booking.services import schedule

EXCLUSION_VIOLATION = "23P01"  # PostgreSQL SQLSTATE of an exclusion constraint


@dataclass(frozen=True)
class Visitor:
    """What a visitor told us about themselves on the booking form."""

    name: str
    email: str
    phone: str = ""
    partner_name: str = ""
    partner_email: str = ""
    message: str = ""
    locale: str = "de"
    timezone: str = "Europe/Berlin"
    cta_source: str = ""
    reminder_requested: bool = False


@dataclass(frozen=True)
class NewBooking:
    booking: Booking
    # The secret of the manage link. Only its hash is stored, so it exists
    # only here; None when an earlier identical request already booked.
    manage_token: str | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def book_slot(*, therapist_id: int, session_type_id: int, start: datetime, visitor: Visitor,
              now: datetime, hold: timedelta, uid_domain: str,
              idempotency_key: str | None = None) -> NewBooking:
    """Book `start` with a therapist as a pending booking that holds its slot for `hold`.

    The slot is re-checked with the slot engine under the therapist's schedule
    lock; the database constraint is the backstop. Raises SlotUnavailable when
    the time is not offered (any more), NotFound for an unknown therapist or
    session type. A repeated `idempotency_key` returns the first booking.
    """
    if idempotency_key and (earlier := _by_idempotency_key(idempotency_key)):
        return NewBooking(earlier, None)
    schedule.lock_schedule(therapist_id)
    therapist, session_type = _bookable(therapist_id, session_type_id)
    rules = schedule.engine_rules(therapist, session_type)
    blocked = availability.blocked_interval(start, rules) if rules else None
    if blocked is None or not schedule.is_offered(therapist, session_type, start, now=now):
        db.session.rollback()
        raise SlotUnavailable("this time is not available (any more)")
    schedule.expire_lapsed_holds(therapist.id, blocked.start, blocked.end, now)
    token = secrets.token_urlsafe(32)
    booking = _new_booking(therapist, session_type, start, blocked, visitor, now, hold,
                           uid_domain, token, idempotency_key)
    db.session.add(booking)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        return _after_conflict(error, idempotency_key)
    return NewBooking(booking, token)


def _bookable(therapist_id: int, session_type_id: int) -> tuple[Therapist, SessionType]:
    therapist = db.session.get(Therapist, therapist_id)
    session_type = db.session.get(SessionType, session_type_id)
    if therapist is None or not therapist.active:
        db.session.rollback()
        raise NotFound("no such therapist")
    if session_type is None or not session_type.active:
        db.session.rollback()
        raise NotFound("no such session type")
    return therapist, session_type


def _new_booking(therapist: Therapist, session_type: SessionType, start: datetime,
                 blocked: availability.Interval, visitor: Visitor, now: datetime,
                 hold: timedelta, uid_domain: str, token: str,
                 idempotency_key: str | None) -> Booking:
    return Booking(
        public_id=secrets.token_urlsafe(12),
        ical_uid=f"{uuid.uuid4()}@{uid_domain}",
        therapist=therapist,
        session_type=session_type,
        start_utc=start,
        end_utc=start + session_type.duration,
        blocked_start_utc=blocked.start,
        blocked_end_utc=blocked.end,
        status=BookingStatus.PENDING,
        hold_until=now + hold,
        visitor_name=visitor.name,
        visitor_email=visitor.email,
        visitor_email_key=validation.email_identity(visitor.email),
        visitor_phone=visitor.phone,
        partner_name=visitor.partner_name,
        partner_email=visitor.partner_email,
        message=visitor.message,
        visitor_locale=visitor.locale,
        visitor_timezone=visitor.timezone,
        cta_source=visitor.cta_source,
        reminder_requested=visitor.reminder_requested,
        consent_at=now,
        manage_token_hash=hash_token(token),
        idempotency_key=idempotency_key,
        sequence=0,
        created_at=now,
        updated_at=now,
    )


def _after_conflict(error: IntegrityError, idempotency_key: str | None) -> NewBooking:
    """Turn a lost race into its domain meaning."""
    if getattr(error.orig, "sqlstate", None) == EXCLUSION_VIOLATION:
        raise SlotUnavailable("this time was just taken") from error
    if idempotency_key and (earlier := _by_idempotency_key(idempotency_key)):
        return NewBooking(earlier, None)
    raise error


def _by_idempotency_key(key: str) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.idempotency_key == key))
