"""Erasing a client's personal data from bookings: on request, for every booking of
one address, and by the retention rules once a booking lies far enough behind."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, false, func, or_, select, update

from booking import validation
from booking.extensions import db
from booking.models import (
    Actor,
    AuditAction,
    Booking,
    BookingStatus,
    DataExport,
    MessageKind,
    OutboxMessage,
    OutboxStatus,
)
from booking.services import audit, waivers
from booking.services.bookings import cancel_by_practice, locked_booking
from booking.tokens import token_hash
from booking.transactions import unit_of_work

UNCONFIRMED = (BookingStatus.PENDING, BookingStatus.EXPIRED)
TOOK_PLACE = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


@dataclass(frozen=True)
class Retention:
    """How many days the personal data of a booking is kept, by how it ended (0 keeps
    it until an admin erases it). Storage limitation, GDPR Art. 5 (1) e."""

    unconfirmed_days: int = 7  # after a request that was never confirmed lapsed
    cancelled_days: int = 90  # after the cancellation (the booking's last change)
    completed_days: int = 365  # after the appointment and its last change

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Retention:
        return cls(unconfirmed_days=config["RETENTION_UNCONFIRMED_DAYS"],
                   cancelled_days=config["RETENTION_CANCELLED_DAYS"],
                   completed_days=config["RETENTION_DAYS"])

    def due(self, now: datetime) -> ColumnElement[bool]:
        """The condition on Booking for "its personal data is due for erasure now"."""
        rules = []
        if self.unconfirmed_days:
            cutoff = now - timedelta(days=self.unconfirmed_days)
            lapsed_at = func.coalesce(Booking.hold_until, Booking.updated_at)
            rules.append(and_(Booking.status.in_(UNCONFIRMED), lapsed_at < cutoff,
                              Booking.updated_at < cutoff))
        if self.cancelled_days:
            cutoff = now - timedelta(days=self.cancelled_days)
            rules.append(and_(Booking.status == BookingStatus.CANCELLED,
                              Booking.updated_at < cutoff))
        if self.completed_days:
            cutoff = now - timedelta(days=self.completed_days)
            rules.append(and_(Booking.status.in_(TOOK_PLACE), Booking.end_utc < cutoff,
                              Booking.updated_at < cutoff))
        return and_(Booking.erased_at.is_(None), or_(*rules) if rules else false())


@dataclass(frozen=True)
class Due:
    """A booking the retention rules would erase: no personal data, for a dry run."""

    booking_id: int
    status: BookingStatus
    start_utc: datetime
    updated_at: datetime


@dataclass(frozen=True)
class PersonErased:
    """What erasing one person did: bookings erased, upcoming ones cancelled first
    (erased once their cancellation mail is out), and the person's address keys, for
    what lives outside the database (rate-limit counters)."""

    erased: list[int]
    cancelled: list[int]
    waiting: list[int]
    email_keys: frozenset[str]
    partner_in: list[int]  # others' bookings that named them as partner


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


def erase_person(email: str, *, now: datetime) -> PersonErased:
    """Erase every booking of the person behind `email` (as the admin's erase does,
    booking by booking). An upcoming booking is cancelled first with the usual
    notices; it is erased by a later call, once those mails have left (erasing at once
    would leave them unsent). Where someone else's booking names them as partner, their
    name and address leave it. InvalidInput for what is not an email address."""
    key = _identity(email)
    ids = list(db.session.scalars(select(Booking.id).where(
        Booking.visitor_email_key == key, Booking.erased_at.is_(None)).order_by(Booking.id)))
    cancelled = []
    for booking_id in ids:
        booking = db.session.get(Booking, booking_id)
        if booking is not None and booking.can_cancel(now):
            cancel_by_practice(booking_id, message="", now=now)
            cancelled.append(booking_id)
    erased, waiting = [], []
    with unit_of_work():
        for booking_id in ids:
            booking = locked_booking(booking_id)
            if not booking.can_erase(now) or _notice_waiting(booking_id):
                waiting.append(booking_id)
            elif booking.erased_at is None:
                _erase(booking, now, by=Actor.PRACTICE)
                audit.record_access(booking, None, AuditAction.ERASED, now)  # the operator
                erased.append(booking_id)
        waivers.revoke_for(key)  # also an exception granted before any booking
        partner_in = []
        for booking in db.session.scalars(select(Booking).where(
                Booking.partner_email != "").order_by(Booking.id).with_for_update()):
            if validation.email_identity(booking.partner_email) == key:
                booking.forget_partner(now)
                partner_in.append(booking.id)
    return PersonErased(erased=erased, cancelled=cancelled, waiting=waiting,
                        email_keys=frozenset({key}), partner_in=partner_in)


def due_for_erasure(now: datetime, *, retention: Retention) -> list[Due]:
    """The bookings the retention rules would erase now (a dry run changes nothing)."""
    rows = db.session.execute(
        select(Booking.id, Booking.status, Booking.start_utc, Booking.updated_at)
        .where(retention.due(now)).order_by(Booking.id)).all()
    db.session.rollback()  # ends the read transaction
    return [Due(*row) for row in rows]


def erase_old(now: datetime, *, retention: Retention, batch: int = 100) -> int:
    """Erase the personal data of bookings the retention rules say are due (a lapsed
    request, a cancelled booking, one that took place: each after its own period);
    returns how many, at most `batch` per call."""
    with unit_of_work():
        old = db.session.scalars(
            select(Booking).where(retention.due(now))
            .order_by(Booking.id).limit(batch).with_for_update(skip_locked=True)).all()
        for booking in old:
            _erase(booking, now, by=Actor.SYSTEM)
            audit.record_access(booking, None, AuditAction.ERASED, now)
    return len(old)


def _identity(email: str) -> str:
    """The person behind `email` (InvalidInput when it is no address)."""
    return validation.email_identity(validation.email(email))


def _notice_waiting(booking_id: int) -> bool:
    """The booking's cancellation mail is still to go out."""
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.booking_id == booking_id,
        OutboxMessage.kind == MessageKind.CANCELLED.value,
        OutboxMessage.status == OutboxStatus.QUEUED)) != 0


def _erase(booking: Booking, now: datetime, *, by: Actor) -> None:
    email_key = booking.visitor_email_key
    booking.erase(now, dead_link_hash=token_hash(secrets.token_urlsafe(32)), by=by)
    # Queued mail is skipped at delivery (notifications.is_obsolete), also mail a
    # worker holds right now; failed mail leaves the admin's re-send list. (Rows keep
    # kind, times and status only: payloads name no one, bodies are rendered at
    # delivery, and a failure's reason carries codes, never addresses.)
    db.session.execute(update(OutboxMessage).where(
        OutboxMessage.booking_id == booking.id,
        OutboxMessage.status == OutboxStatus.FAILED).values(status=OutboxStatus.SKIPPED))
    db.session.execute(delete(DataExport).where(DataExport.booking_id == booking.id))
    if email_key:
        waivers.revoke_for(email_key)
