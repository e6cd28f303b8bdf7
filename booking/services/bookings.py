"""The booking life cycle: book, confirm, move, cancel, expire. (Hand-over is in
handover.py, erasing personal data in erasure.py.)"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import String, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from booking import availability, validation
from booking.errors import (
    FirstSessionAlreadyBooked,
    NotFound,
    SlotUnavailable,
    TooLateToChange,
)
from booking.extensions import db
from booking.models import (
    Actor,
    AuditAction,
    Booking,
    BookingEvent,
    BookingStatus,
    MessageKind,
    OutboxMessage,
    Recipient,
    SessionType,
    Therapist,
    WebhookEvent,
)
from booking.models.booking import changes_closed
from booking.models.outbox_payloads import (
    AlreadyBooked,
    Cancelled,
    CancelledBy,
    Confirmed,
    ConfirmRequest,
    Expired,
    NewBooking,
    Reminder,
    Rescheduled,
)
from booking.services import audit, matching, outbox, schedule, waivers, webhooks
from booking.services.schedule import occupying_at
from booking.tokens import manage_token, token_hash
from booking.transactions import unit_of_work

VISITOR, THERAPIST = Recipient.VISITOR, Recipient.THERAPIST
EXCLUSION_VIOLATION = "23P01"  # PostgreSQL SQLSTATE of an exclusion constraint


@dataclass(frozen=True)
class Policy:
    """Practice-wide settings the life cycle follows, read from configuration."""

    uid_domain: str  # the right-hand side of calendar UIDs and Message-IDs
    link_secret: str  # signs manage links (the app's SECRET_KEY)
    hold: timedelta = timedelta(minutes=30)  # how long a pending booking keeps its slot
    change_cutoff: timedelta = timedelta(hours=24)  # online cancel/move closes then
    reminder_before: timedelta = timedelta(hours=24)
    # Whose public holidays close the practice ("" for none): see services/closing.py.
    holiday_state: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        return cls(
            uid_domain=urlsplit(config["BASE_URL"]).hostname or "localhost",
            link_secret=config["SECRET_KEY"],
            hold=timedelta(minutes=config["BOOKING_HOLD_MINUTES"]),
            change_cutoff=timedelta(hours=config["VISITOR_CHANGE_CUTOFF_HOURS"]),
            reminder_before=timedelta(hours=config["REMINDER_HOURS_BEFORE"]),
            holiday_state=config["HOLIDAY_STATE"],
        )

    def changes_closed(self, start: datetime, now: datetime) -> bool:
        """True when a booking starting at `start` can no longer be changed online."""
        return changes_closed(start, now, self.change_cutoff)


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


def book_slot(*, therapist_id: int, session_type_id: int, start: datetime, visitor: Visitor,
              now: datetime, policy: Policy, idempotency_key: str | None = None,
              request_fingerprint: str | None = None,
              seen: schedule.Bookable | None = None) -> Booking:
    """Book `start` with a therapist as a pending booking that holds its slot for a while,
    and queue the visitor's confirm-your-email message.

    The slot is re-checked with the slot engine under the therapist's schedule
    lock; the database constraint is the backstop. Raises SlotUnavailable when
    the time is not offered (any more), FirstSessionAlreadyBooked when this
    person has a free first session already (the explanation goes to their mailbox
    in a step of its own, after the refused booking's transaction is rolled back),
    NotFound for an unknown therapist or session type. A repeated `idempotency_key`
    returns the first booking; `request_fingerprint` is kept with it, so that the
    caller can tell a retry of the same request from another request under that key.

    `seen` is the therapist's schedule as the caller read it before (for this therapist
    and session type): when the lock finds their schedule version unchanged since, it is
    used as it is instead of being read again. Bookings, time off, busy time and closed
    days are read under the lock all the same.
    """
    # A repeated key is found under the lock below (callers may look before, as
    # book_first_available does): one statement fewer on every booking.
    try:
        with unit_of_work(immediate=True):
            if (seen is not None and (seen.therapist_id, seen.session_type_id) != (
                    therapist_id, session_type_id)):
                seen = None
            # The person's lock with the therapist's, for a free session as read before.
            email_key = validation.email_identity(visitor.email)
            person = email_key if seen is not None and seen.is_free else None
            versions = schedule.lock_schedule(therapist_id, person=person)
            # A double click waits on the lock above; once in, it finds the first's booking.
            if idempotency_key and (earlier := _by_idempotency_key(idempotency_key)):
                return earlier
            if seen is None or versions.get(therapist_id) != seen.version:
                seen = _bookable(therapist_id, session_type_id)
            if seen.is_free:
                if person is None:
                    schedule.lock_person(email_key)
                _refuse_second_first_session(email_key, now)
            blocked = _offered_interval(seen, start, now, holiday_state=policy.holiday_state)
            expire_lapsed_holds(therapist_id, blocked, now)
            booking = _new_booking(seen, start, blocked, visitor, now, policy, idempotency_key)
            booking.request_fingerprint = request_fingerprint
            booking.request(now)
            db.session.add(booking)
            outbox.enqueue(booking, ConfirmRequest(**outbox.about(booking, VISITOR)), now)
            webhooks.emit(booking, WebhookEvent.REQUESTED, now)
            # Written in one flush, with the commit; a lost race surfaces there.
    except FirstSessionAlreadyBooked:
        _explain_refusal(validation.email_identity(visitor.email), now)
        raise
    except IntegrityError as error:  # the database constraint saw a lost race
        return _after_conflict(error, idempotency_key)
    return booking


def find_by_token(token: str, *, for_update: bool = False) -> Booking:
    """The booking a manage link points to, or NotFound. `for_update` locks its row
    (PostgreSQL), so that the expiry sweep and this change cannot cross."""
    query = select(Booking).where(Booking.manage_token_hash == token_hash(token))
    booking = db.session.scalar(query.with_for_update() if for_update else query)
    if booking is None:
        raise NotFound("no booking for this link")
    return booking


def confirm_booking(token: str, *, now: datetime, policy: Policy) -> Booking:
    """Confirm a pending booking from the visitor's email link and queue the invites.

    Confirming twice is harmless; a lapsed hold raises SlotUnavailable.
    """
    booking = find_by_token(token)
    if booking.status is BookingStatus.CONFIRMED:
        return booking
    therapist_id = booking.therapist_id
    with unit_of_work(immediate=True):
        schedule.lock_schedule(therapist_id)
        booking = find_by_token(token, for_update=True)
        if booking.status is BookingStatus.CONFIRMED:
            return booking
        if not booking.can_confirm(now):
            raise SlotUnavailable("the reservation lapsed before it was confirmed")
        booking.confirm(now)
        webhooks.emit(booking, WebhookEvent.CONFIRMED, now)
        outbox.enqueue_for_visitors(booking, Confirmed(**outbox.about(booking, VISITOR)), now)
        outbox.enqueue(booking, NewBooking(**outbox.about(booking, THERAPIST)), now)
        _schedule_reminder(booking, now, policy.reminder_before)
    return booking


def cancel_by_visitor(token: str, *, reason: str, now: datetime, policy: Policy) -> Booking:
    """Cancel from the manage link; closed within the policy's cutoff of the start."""
    therapist_id = find_by_token(token).therapist_id
    with unit_of_work(immediate=True):
        schedule.lock_schedule(therapist_id)
        booking = find_by_token(token, for_update=True)
        if booking.status is BookingStatus.CANCELLED:
            return booking
        if not booking.can_visitor_change(now, policy.change_cutoff):
            raise TooLateToChange("online cancellation is closed for this booking")
        _cancel(booking, reason, now, by=Actor.VISITOR)
    return booking


def cancel_by_therapist(booking_id: int, *, therapist_id: int, message: str,
                        now: datetime) -> Booking:
    """Cancel one of the therapist's own bookings; the visitor gets `message` with the
    cancellation. Raises NotFound for a booking of someone else."""
    with unit_of_work(immediate=True):
        schedule.lock_schedule(therapist_id)
        booking = own_booking(booking_id, therapist_id)
        _cancel(booking, message, now, by=Actor.THERAPIST)
        audit.record_access(booking, therapist_id, AuditAction.CHANGED, now)
    return booking


def cancel_by_practice(booking_id: int, *, message: str, now: datetime,
                       by_account_id: int | None = None) -> Booking:
    """An admin (`by_account_id`, for the audit trail) cancels any therapist's booking;
    the visitor gets `message` with the cancellation, the therapist the calendar
    cancellation."""
    therapist_id = any_booking(booking_id).therapist_id
    with unit_of_work(immediate=True):
        schedule.lock_schedule(therapist_id)
        booking = locked_booking(booking_id)
        _cancel(booking, message, now, by=Actor.PRACTICE)
        audit.record_access(booking, by_account_id, AuditAction.CHANGED, now)
    return booking


def reschedule_by_visitor(token: str, *, start: datetime, now: datetime,
                          policy: Policy) -> Booking:
    """Move a booking to another free slot of the same therapist.

    The booking keeps its identity and calendar UID; its SEQUENCE goes up and
    everyone who had the invite gets the update.
    """
    locked_therapist_id = find_by_token(token).therapist_id
    try:
        with unit_of_work(immediate=True):
            schedule.lock_schedule(locked_therapist_id)
            booking = find_by_token(token, for_update=True)
            if booking.therapist_id != locked_therapist_id:  # handed over meanwhile
                raise SlotUnavailable("the booking moved to another therapist")
            if not booking.can_visitor_change(now, policy.change_cutoff):
                raise TooLateToChange("online changes are closed for this booking")
            if start == booking.start_utc:  # no move: no mails, no new SEQUENCE
                return booking
            found = schedule.bookable(booking.therapist, booking.session_type)
            if found is None:
                raise SlotUnavailable("this time is not available (any more)")
            blocked = _offered_interval(found, start, now, holiday_state=policy.holiday_state,
                                        moving=booking)
            expire_lapsed_holds(booking.therapist_id, blocked, now)
            previous = booking.start_utc
            booking.reschedule(start, start + booking.session_type.duration,
                               blocked.start, blocked.end, now)
            webhooks.emit(booking, WebhookEvent.RESCHEDULED, now)
            if booking.status is BookingStatus.CONFIRMED:
                outbox.enqueue_for_visitors(booking, Rescheduled(**outbox.about(booking, VISITOR)),
                                            now)
                outbox.enqueue(booking, Rescheduled(**outbox.about(booking, THERAPIST),
                                                    previous_start=previous), now)
                _schedule_reminder(booking, now, policy.reminder_before)
    except IntegrityError as error:
        raise SlotUnavailable("this time was just taken") from error
    return booking


def expire_lapsed_holds(therapist_id: int, window: availability.Interval,
                        now: datetime) -> list[Booking]:
    """Expire pending bookings whose hold has lapsed where they overlap `window`
    (flush only), so that the database constraint sees their time as free."""
    # Ids first: nearly always there are none, and only those found are loaded whole.
    ids = schedule.read_columns(_LAPSED, {"therapist_id": therapist_id, "now": now,
                                  "start": window.start, "end": window.end}).scalars().all()
    if not ids:
        return []
    lapsed = db.session.scalars(select(Booking).where(Booking.id.in_(ids))
                                .order_by(Booking.id)).all()
    for booking in lapsed:
        _expire(booking, now)
    db.session.flush()
    return list(lapsed)


# Built once, like the other statements of every booking below: SQLAlchemy then keeps
# their compiled form without building them again.
_LAPSED = select(Booking.id).where(
    Booking.therapist_id == bindparam("therapist_id"),
    Booking.status == BookingStatus.PENDING,
    Booking.hold_until <= bindparam("now"),
    Booking.blocked_end_utc > bindparam("start"),
    Booking.blocked_start_utc < bindparam("end"),
)


def expire_all_lapsed(now: datetime, batch: int = 100) -> int:
    """Expire pending bookings whose hold lapsed and tell their visitors; returns how many.

    Their slots are free already (readers ignore lapsed holds); this sweep only
    tidies the status and sends the "not confirmed in time" message.
    """
    with unit_of_work():
        lapsed = db.session.scalars(
            select(Booking)
            .where(Booking.status == BookingStatus.PENDING, Booking.hold_until <= now)
            .order_by(Booking.hold_until)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        for booking in lapsed:
            _expire(booking, now)
    return len(lapsed)


def _expire(booking: Booking, now: datetime) -> None:
    booking.expire(now)
    webhooks.emit(booking, WebhookEvent.EXPIRED, now)
    outbox.enqueue(booking, Expired(**outbox.about(booking, VISITOR)), now)


def _cancel(booking: Booking, reason: str, now: datetime, *, by: Actor) -> None:
    had_invite = booking.status is BookingStatus.CONFIRMED
    booking.cancel(now, reason, by=by)
    webhooks.emit(booking, WebhookEvent.CANCELLED, now)
    cancelled_by = CancelledBy(by.value)
    outbox.enqueue_for_visitors(booking, Cancelled(**outbox.about(booking, VISITOR),
                                                   by=cancelled_by, with_invite=had_invite), now)
    if had_invite:
        outbox.enqueue(booking, Cancelled(**outbox.about(booking, THERAPIST), by=cancelled_by,
                                          with_invite=True), now)


def _schedule_reminder(booking: Booking, now: datetime, before: timedelta) -> None:
    """Queue the reminder for its time. A reminder of an older time (the booking
    moved since) or of a booking no longer confirmed is dropped at delivery."""
    if booking.reminder_requested and booking.start_utc - before > now:
        outbox.enqueue(booking, Reminder(**outbox.about(booking, VISITOR)), now,
                       due_at=booking.start_utc - before)


def _offered_interval(found: schedule.Bookable, start: datetime, now: datetime, *,
                      holiday_state: str, moving: Booking | None = None
                      ) -> availability.Interval:
    if not schedule.offers(found, start, now=now, holiday_state=holiday_state,
                           ignoring=moving):
        raise SlotUnavailable("this time is not available (any more)")
    return availability.blocked_interval(start, found.rules)


def _refuse_second_first_session(email_key: str, now: datetime) -> None:
    """Raise FirstSessionAlreadyBooked when this person has an upcoming or attended free
    first consultation (or, with exceptions the practice granted, one more than those).
    Writes nothing: the booking's transaction rolls back whole, and _explain_refusal
    follows it."""
    if _standing_first_session(email_key, now) is not None:
        raise FirstSessionAlreadyBooked("this person has a free first consultation already")


def _explain_refusal(email_key: str, now: datetime) -> None:
    """Its own unit of work, after a refused booking: mail the explanation to the
    address that booked the first consultation, never onto the page (the page must
    not tell anyone whether an address has a booking)."""
    with unit_of_work(immediate=True):
        schedule.lock_person(email_key)  # two refusals at once still send one mail
        earlier = _standing_first_session(email_key, now)
        if earlier is not None and not _told_recently(earlier, now):
            outbox.enqueue(earlier, AlreadyBooked(**outbox.about(earlier, VISITOR)), now)


def _standing_first_session(email_key: str, now: datetime) -> Booking | None:
    """The person's latest free first consultation that stands in the way of another
    one, or None when they may book one."""
    rows = schedule.read_columns(_COUNTING, {"email_key": email_key, "now": now}).all()
    if len(rows) <= (rows[0][1] if rows else 0):
        return None
    return db.session.get(Booking, rows[0][0])


# One statement on every free booking: the ids of the counting consultations (not the
# bookings, with their encrypted columns), each row with the person's waivers.
_COUNTING = (
    select(Booking.id, waivers.count_of(bindparam("email_key", type_=String)))
    .join(SessionType, Booking.session_type_id == SessionType.id)
    .where(
        SessionType.is_free,
        Booking.visitor_email_key == bindparam("email_key", type_=String),
        (Booking.status == BookingStatus.COMPLETED)
        | (occupying_at(bindparam("now")) & (Booking.start_utc > bindparam("now"))),
    )
    .order_by(Booking.start_utc.desc())
)


def _told_recently(booking: Booking, now: datetime) -> bool:
    """At most one such explanation an hour, so the form cannot be used to flood
    someone's inbox."""
    return db.session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.booking_id == booking.id,
            OutboxMessage.kind == MessageKind.ALREADY_BOOKED.value,
            OutboxMessage.created_at > now - timedelta(hours=1),
        ).limit(1)
    ) is not None


def _bookable(therapist_id: int, session_type_id: int) -> schedule.Bookable:
    # With what the re-check reads of the therapist (rules, hours) in the same statement.
    therapist = db.session.scalars(
        select(Therapist).where(Therapist.id == therapist_id)
        .options(joinedload(Therapist.rules), joinedload(Therapist.working_hours))
    ).unique().first()
    session_type = db.session.get(SessionType, session_type_id)
    if therapist is None or not therapist.active:
        raise NotFound("no such therapist")
    if session_type is None or not session_type.active:
        raise NotFound("no such session type")
    found = schedule.bookable(therapist, session_type)
    if found is None:  # no booking rules yet
        raise SlotUnavailable("this time is not available (any more)")
    return found


def _new_booking(found: schedule.Bookable, start: datetime, blocked: availability.Interval,
                 visitor: Visitor, now: datetime, policy: Policy,
                 idempotency_key: str | None) -> Booking:
    public_id = secrets.token_urlsafe(12)
    return Booking(
        public_id=public_id,
        ical_uid=f"{uuid.uuid4()}@{policy.uid_domain}",
        therapist_id=found.therapist_id,
        session_type_id=found.session_type_id,
        start_utc=start,
        end_utc=start + found.rules.duration,
        blocked_start_utc=blocked.start,
        blocked_end_utc=blocked.end,
        status=BookingStatus.PENDING,
        hold_until=now + policy.hold,
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
        manage_token_hash=token_hash(manage_token(policy.link_secret, public_id)),
        idempotency_key=idempotency_key,
        sequence=0,
        created_at=now,
        updated_at=now,
    )


def _after_conflict(error: IntegrityError, idempotency_key: str | None) -> Booking:
    """Turn a lost race into its domain meaning."""
    if getattr(error.orig, "sqlstate", None) == EXCLUSION_VIOLATION:
        raise SlotUnavailable("this time was just taken") from error
    if idempotency_key and (earlier := _by_idempotency_key(idempotency_key)):
        return earlier
    raise error


def _by_idempotency_key(key: str) -> Booking | None:
    # The id only: nearly always there is none, and a booking is loaded only when found.
    found = schedule.read_columns(_BY_KEY, {"key": key}).scalar()
    return db.session.get(Booking, found) if found is not None else None


_BY_KEY = select(Booking.id).where(Booking.idempotency_key == bindparam("key"))


def book_first_available(*, team: list[Therapist], session_type_id: int, start: datetime,
                         visitor: Visitor, now: datetime, policy: Policy,
                         idempotency_key: str | None = None,
                         request_fingerprint: str | None = None) -> Booking:
    """Book `start` with whoever of `team` has it free, the least busy first
    (see matching.fair_order). Raises SlotUnavailable when nobody has."""
    # With one therapist there is nobody to choose between: book_slot's re-check under
    # the lock decides alone (the slot engine and four statements fewer), and finds a
    # repeated key there.
    if len(team) > 1 and idempotency_key and (earlier := _by_idempotency_key(idempotency_key)):
        return earlier
    session_type = db.session.get(SessionType, session_type_id)
    if session_type is None:
        raise NotFound("no such session type")
    candidates = team if len(team) == 1 else matching.fair_order(
        team, session_type, start, now=now, holiday_state=policy.holiday_state)
    # What the team's schedules were read as, taken before the first try (a try ends a
    # transaction, and what was read in it would have to be read again).
    seen = [(therapist.id, schedule.bookable(therapist, session_type))
            for therapist in candidates]
    for therapist_id, bookable in seen:
        try:
            return book_slot(therapist_id=therapist_id, session_type_id=session_type_id,
                             start=start, visitor=visitor, now=now, policy=policy,
                             idempotency_key=idempotency_key,
                             request_fingerprint=request_fingerprint, seen=bookable)
        except SlotUnavailable:
            continue
    raise SlotUnavailable("this time was just taken")


def own_booking(booking_id: int, therapist_id: int) -> Booking:
    """One of the therapist's own bookings; NotFound for anyone else's."""
    booking = any_booking(booking_id)
    if booking.therapist_id != therapist_id:
        raise NotFound("no such booking")
    return booking


def locked_booking(booking_id: int) -> Booking:
    """Within a unit of work: the booking, re-read and locked for this transaction
    (PostgreSQL), so that a cancellation or move by the visitor and a change by the
    practice take turns. NotFound when there is none."""
    booking = db.session.scalar(
        select(Booking).where(Booking.id == booking_id).with_for_update()
        .execution_options(populate_existing=True))
    if booking is None:
        raise NotFound("no such booking")
    return booking


def any_booking(booking_id: int) -> Booking:
    """Any booking of the practice, for admins; NotFound when there is none."""
    booking = db.session.get(Booking, booking_id)
    if booking is None:
        raise NotFound("no such booking")
    return booking


def history(booking: Booking) -> list[BookingEvent]:
    """What happened to the booking, oldest first."""
    return list(db.session.scalars(booking.events.select()))


def record_outcome(booking_id: int, *, therapist_id: int, attended: bool,
                   now: datetime) -> Booking:
    """Mark a started booking as completed, or as a no-show."""
    with unit_of_work():
        booking = own_booking(booking_id, therapist_id)
        if attended:
            booking.complete(now)
        else:
            booking.mark_no_show(now)
        audit.record_access(booking, therapist_id, AuditAction.CHANGED, now)
    return booking


def save_private_note(booking_id: int, *, therapist_id: int, note: str,
                      now: datetime) -> Booking:
    """The therapist's own note on a booking (not shown to anyone else)."""
    with unit_of_work():
        booking = own_booking(booking_id, therapist_id)
        booking.private_note = note
        audit.record_access(booking, therapist_id, AuditAction.CHANGED, now)
    return booking
