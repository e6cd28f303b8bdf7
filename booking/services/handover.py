"""Handing a booking over to a colleague at the same time, e.g. when its therapist
leaves the team."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from booking import availability
from booking.errors import InvalidTransition, NotFound, SlotUnavailable
from booking.extensions import db
from booking.models import AuditAction, Booking, BookingStatus, Recipient, Therapist
from booking.models.outbox_payloads import Cancelled, CancelledBy, NewBooking, Reassigned
from booking.services import audit, outbox, schedule
from booking.services.bookings import any_booking, expire_lapsed_holds, locked_booking
from booking.transactions import unit_of_work


def reassign(booking_id: int, *, to_therapist_id: int, now: datetime,
             by_account_id: int | None = None) -> Booking:
    """Hand a booking over to another active therapist at the same time, e.g. when
    its therapist leaves the team. Refused (SlotUnavailable) when the time is not free
    in the new therapist's calendar: their bookings, time off and busy calendars count,
    their weekly hours do not (the practice may ask someone to step in outside them).
    InvalidTransition when the booking was handed over by someone else meanwhile.

    The visitor gets an updated invitation naming the new therapist; the previous
    therapist a cancellation for their calendar, the new one the booking. The admin
    `by_account_id` is noted in the audit trail.
    """
    previous_id = any_booking(booking_id).therapist_id
    try:
        with unit_of_work(immediate=True):
            schedule.lock_schedule(previous_id, to_therapist_id)
            booking = locked_booking(booking_id)
            target = db.session.get(Therapist, to_therapist_id)
            if target is None or not target.active:
                raise NotFound("no such therapist")
            if booking.therapist_id != previous_id:  # handed over meanwhile: ask again
                raise InvalidTransition("the booking changed while it was being handed over")
            window = availability.Interval(booking.blocked_start_utc, booking.blocked_end_utc)
            expire_lapsed_holds(target.id, window, now)
            if schedule.is_blocked(target.id, window, now):
                raise SlotUnavailable("the new therapist is not free at this time")
            previous_uid = booking.ical_uid
            booking.reassign(target, now)
            audit.record_access(booking, by_account_id, AuditAction.CHANGED, now)
            db.session.flush()
            if booking.status is BookingStatus.CONFIRMED:
                _announce_handover(booking, previous_id, previous_uid, now)
    except IntegrityError as error:
        raise SlotUnavailable("the new therapist is not free at this time") from error
    return booking


def _announce_handover(booking: Booking, previous_therapist_id: int, previous_uid: str,
                       now: datetime) -> None:
    """One organizer per calendar entry (Gmail shows "unknown organizer" otherwise):
    the old entry is cancelled in the old therapist's name, and a new one is sent."""
    def old_entry(recipient: Recipient, **farewell: int) -> Cancelled:
        return Cancelled(**outbox.about(booking, recipient), by=CancelledBy.HANDOVER,
                         with_invite=True, uid=previous_uid,
                         organizer_id=previous_therapist_id, **farewell)

    outbox.enqueue_for_visitors(booking, old_entry(Recipient.VISITOR), now)
    outbox.enqueue(booking, old_entry(Recipient.THERAPIST, therapist_id=previous_therapist_id),
                   now)
    outbox.enqueue_for_visitors(booking, Reassigned(**outbox.about(booking, Recipient.VISITOR)),
                                now)
    outbox.enqueue(booking, NewBooking(**outbox.about(booking, Recipient.THERAPIST)), now)
