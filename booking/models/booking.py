"""A booked session, its life cycle, and the database rule against double booking."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from booking.encryption import EncryptedText
from booking.errors import InvalidTransition
from booking.extensions import Model
from booking.meeting_links import meeting_link, new_room
from booking.models.session_type import SessionType
from booking.models.therapist import Therapist


class BookingStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the visitor's email confirmation; holds its slot
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    EXPIRED = "expired"  # pending, not confirmed in time; frees its slot


class EventKind(enum.StrEnum):
    """What happened to a booking, for its status history."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"
    REASSIGNED = "reassigned"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    ERASED = "erased"  # the client's personal data deleted


class Actor(enum.StrEnum):
    """Who made it happen."""

    VISITOR = "visitor"
    THERAPIST = "therapist"
    PRACTICE = "practice"  # an admin of the practice
    SYSTEM = "system"  # the service itself, e.g. a hold that lapsed


# Statuses whose rows occupy the therapist's time. A pending booking past its
# hold occupies nothing even before a sweep marks it expired: readers filter
# on hold_until, and booking expires such rows before inserting.
OCCUPYING = (
    BookingStatus.PENDING,
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
)
_OCCUPYING_SQL = ", ".join(f"'{status.value}'" for status in OCCUPYING)


def changes_closed(start: datetime, now: datetime, cutoff: timedelta) -> bool:
    """True once online cancelling and moving are closed: within `cutoff` of `start`."""
    return now > start - cutoff


class Booking(Model):
    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("start_utc < end_utc", name="start_before_end"),
        CheckConstraint(
            "blocked_start_utc <= start_utc AND end_utc <= blocked_end_utc",
            name="blocked_covers_session",
        ),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        Index("ix_booking_therapist_blocked", "therapist_id", "blocked_start_utc"),
        # No two occupying bookings of one therapist overlap, buffers included,
        # whichever worker or host writes them. SQLite has no such constraint;
        # there the booking service serialises writers instead.
        ExcludeConstraint(
            (literal_column("therapist_id"), "="),
            (func.tstzrange(literal_column("blocked_start_utc"),
                            literal_column("blocked_end_utc"), "[)"), "&&"),
            name="ex_booking_no_overlap",
            using="gist",
            where=literal_column(f"status IN ({_OCCUPYING_SQL})"),
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    ical_uid: Mapped[str] = mapped_column(String(255), unique=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapist.id", ondelete="RESTRICT"))
    session_type_id: Mapped[int] = mapped_column(
        ForeignKey("session_type.id", ondelete="RESTRICT")
    )
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    blocked_start_utc: Mapped[datetime]
    blocked_end_utc: Mapped[datetime]
    status: Mapped[BookingStatus] = mapped_column(
        Enum(BookingStatus, native_enum=False, create_constraint=True, length=16,
             name="booking_status", values_callable=lambda statuses: [s.value for s in statuses]),
        index=True,
    )
    hold_until: Mapped[datetime | None]

    visitor_name: Mapped[str] = mapped_column(String(120))
    visitor_email: Mapped[str] = mapped_column(String(254))
    # The address reduced to the person behind it (case, +tags, Gmail dots), for
    # the one-free-first-consultation-per-person rule.
    visitor_email_key: Mapped[str] = mapped_column(String(254), index=True)
    visitor_phone: Mapped[str] = mapped_column(String(40), default="")
    partner_name: Mapped[str] = mapped_column(String(120), default="")
    partner_email: Mapped[str] = mapped_column(String(254), default="")
    # What people type freely is encrypted at rest (booking.encryption).
    message: Mapped[str] = mapped_column(EncryptedText("booking.message"), default="")
    visitor_locale: Mapped[str] = mapped_column(String(5), default="de")
    visitor_timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    cta_source: Mapped[str] = mapped_column(String(120), default="")
    reminder_requested: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime]
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A keyed hash of the API request that made the booking: a retry with the same
    # Idempotency-Key but another body is refused instead of answered with this booking.
    request_fingerprint: Mapped[str | None] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(default=0)
    # The name of this session's online room in its meeting-link template:
    # unguessable, the same across a move, a new one when another therapist takes over.
    meeting_room: Mapped[str] = mapped_column(String(64), default=new_room)

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    # Typed by the visitor (API) or the therapist or admin (sent to the visitor).
    cancel_reason: Mapped[str] = mapped_column(EncryptedText("booking.cancel_reason"),
                                               default="")
    # The therapist's own note; never shown to the visitor, never in mails or feeds.
    private_note: Mapped[str] = mapped_column(EncryptedText("booking.private_note"),
                                              default="")
    # When the client's personal data was deleted (on request); the time slot and the
    # article it came from stay, for the calendar and the report.
    erased_at: Mapped[datetime | None]

    therapist: Mapped[Therapist] = relationship()
    session_type: Mapped[SessionType] = relationship()
    # Written by every transition below; never loaded whole (read it with events.select()).
    events: WriteOnlyMapped[BookingEvent] = relationship(
        back_populates="booking", cascade="all, delete-orphan", passive_deletes=True,
        order_by="BookingEvent.id")

    @property
    def meeting_url(self) -> str:
        """The link to this session's online room, in the therapist's template or else
        the practice's default ("" when neither gives one)."""
        return meeting_link(self.therapist.meeting_template, self.meeting_room)

    @property
    def ical_status(self) -> str:
        """STATUS in calendar files: a booking that no longer holds its time is CANCELLED."""
        return ical_status_of(self.status)

    def occupies_time(self, now: datetime) -> bool:
        """True while this booking keeps its slot from others."""
        if self.status is BookingStatus.PENDING:
            return self.hold_until is not None and now < self.hold_until
        return self.status in OCCUPYING

    def is_live(self, now: datetime) -> bool:
        """True while the booking is on: confirmed, or pending within its hold. A past,
        cancelled, lapsed or finished (completed, no-show) booking is not."""
        return self.occupies_time(now) and self.status in (
            BookingStatus.PENDING, BookingStatus.CONFIRMED)

    def lapsed(self, now: datetime) -> bool:
        """True for a pending hold that ran out, even before a sweep marks it expired."""
        return self.status is BookingStatus.PENDING and not self.occupies_time(now)

    def can_confirm(self, now: datetime) -> bool:
        return self.occupies_time(now) and self.status is BookingStatus.PENDING

    def request(self, now: datetime) -> None:
        """Note in the history that the visitor asked for this booking."""
        self.record(EventKind.REQUESTED, now, Actor.VISITOR)

    def confirm(self, now: datetime) -> None:
        self._require(self.can_confirm(now), "confirm")
        self.status = BookingStatus.CONFIRMED
        self.hold_until = None
        self.confirmed_at = now
        self.updated_at = now
        self.record(EventKind.CONFIRMED, now, Actor.VISITOR)

    def can_expire(self, now: datetime) -> bool:
        return self.lapsed(now)

    def expire(self, now: datetime) -> None:
        self._require(self.can_expire(now), "expire")
        self.status = BookingStatus.EXPIRED
        self.updated_at = now
        self.record(EventKind.EXPIRED, now, Actor.SYSTEM)

    def can_cancel(self, now: datetime) -> bool:
        return self.is_live(now) and now < self.end_utc

    def cancel(self, now: datetime, reason: str = "", *, by: Actor = Actor.VISITOR) -> None:
        self._require(self.can_cancel(now), "cancel")
        self.status = BookingStatus.CANCELLED
        self.cancelled_at = now
        self.cancel_reason = reason
        self._revise(now)
        self.record(EventKind.CANCELLED, now, by)

    def can_reschedule(self, now: datetime) -> bool:
        return self.can_cancel(now) and now < self.start_utc

    def reschedule(self, start: datetime, end: datetime,
                   blocked_start: datetime, blocked_end: datetime, now: datetime) -> None:
        """Move to a new time; identity and calendar UID stay, SEQUENCE goes up."""
        self._require(self.can_reschedule(now), "reschedule")
        previous = self.start_utc
        self.start_utc, self.end_utc = start, end
        self.blocked_start_utc, self.blocked_end_utc = blocked_start, blocked_end
        self._revise(now)
        self.record(EventKind.RESCHEDULED, now, Actor.VISITOR, previous_start_utc=previous)

    def reassign(self, therapist: Therapist, now: datetime) -> None:
        """Hand over to another therapist at the same time. The calendar entry gets a
        new UID: its organizer changes, and an entry keeps one organizer for life."""
        self._require(self.can_cancel(now) and therapist.id != self.therapist_id, "reassign")
        previous = self.therapist_id
        self.therapist = therapist
        self.private_note = ""  # the previous therapist's, for no one else's eyes
        self.ical_uid = f"{uuid.uuid4()}@{self.ical_uid.rpartition('@')[2]}"
        self.meeting_room = new_room()  # the previous therapist knows the old one
        self._revise(now)
        self.record(EventKind.REASSIGNED, now, Actor.PRACTICE, previous_therapist_id=previous)

    def can_visitor_change(self, now: datetime, cutoff: timedelta) -> bool:
        """Visitors may cancel or move online only until `cutoff` before the start."""
        return self.can_reschedule(now) and not changes_closed(self.start_utc, now, cutoff)

    def can_complete(self, now: datetime) -> bool:
        return self.status is BookingStatus.CONFIRMED and now >= self.start_utc

    def complete(self, now: datetime) -> None:
        self._require(self.can_complete(now), "complete")
        self.status = BookingStatus.COMPLETED
        self.updated_at = now
        self.record(EventKind.COMPLETED, now, Actor.THERAPIST)

    def mark_no_show(self, now: datetime) -> None:
        self._require(self.can_complete(now), "mark as no-show")
        self.status = BookingStatus.NO_SHOW
        self.updated_at = now
        self.record(EventKind.NO_SHOW, now, Actor.THERAPIST)

    def can_erase(self, now: datetime) -> bool:
        """Personal data can go once the booking holds no time ahead: past, cancelled
        or lapsed. An upcoming one is cancelled first, so the client is told."""
        return self.erased_at is None and not (self.occupies_time(now) and now < self.end_utc)

    def erase(self, now: datetime, *, dead_link_hash: str, by: Actor = Actor.PRACTICE) -> None:
        """Delete what the client told us; the manage link stops working."""
        self._require(self.can_erase(now), "be erased")
        if self.can_expire(now):  # a lapsed hold: tidied here, without the mail
            self.expire(now)
        self.visitor_name = self.visitor_email = self.visitor_email_key = ""
        self.visitor_phone = self.partner_name = self.partner_email = ""
        self.message = self.cancel_reason = self.private_note = ""
        self.idempotency_key = self.request_fingerprint = None
        self.manage_token_hash = dead_link_hash
        self.erased_at = self.updated_at = now
        self.record(EventKind.ERASED, now, by)

    def forget_partner(self, now: datetime) -> None:
        """The partner named in this booking had their data deleted: their name and
        address leave it (mail queued for them is not sent); the client's stay."""
        self.partner_name = self.partner_email = ""
        self.updated_at = now

    def record(self, kind: EventKind, now: datetime, by: Actor, *,
               previous_start_utc: datetime | None = None,
               previous_therapist_id: int | None = None) -> None:
        self.events.add(BookingEvent(kind=kind, at=now, actor=by,
                                     previous_start_utc=previous_start_utc,
                                     previous_therapist_id=previous_therapist_id))

    def _revise(self, now: datetime) -> None:
        # A change calendar clients must apply: RFC 5545 wants a higher SEQUENCE.
        self.sequence += 1
        self.updated_at = now

    def _require(self, allowed: bool, action: str) -> None:
        if not allowed:
            raise InvalidTransition(f"a {self.status.value} booking cannot {action} now")


class BookingEvent(Model):
    """One step of a booking's status history. Holds no visitor data: what the visitor
    wrote stays on the booking, so deleting the booking deletes everything."""

    __tablename__ = "booking_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"),
                                            index=True)
    at: Mapped[datetime]
    kind: Mapped[EventKind] = mapped_column(
        Enum(EventKind, native_enum=False, create_constraint=True, length=16,
             name="event_kind", values_callable=lambda kinds: [k.value for k in kinds]))
    actor: Mapped[Actor] = mapped_column(
        Enum(Actor, native_enum=False, create_constraint=True, length=16, name="actor",
             values_callable=lambda actors: [a.value for a in actors]))
    previous_start_utc: Mapped[datetime | None]  # of a move
    previous_therapist_id: Mapped[int | None] = mapped_column(  # of a handover
        ForeignKey("therapist.id", ondelete="SET NULL"))

    booking: Mapped[Booking] = relationship(back_populates="events")
    previous_therapist: Mapped[Therapist | None] = relationship()


def ical_status_of(status: BookingStatus) -> str:
    """Booking.ical_status for a status read without its booking (feeds read columns)."""
    if status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED):
        return "CANCELLED"
    return "TENTATIVE" if status is BookingStatus.PENDING else "CONFIRMED"
