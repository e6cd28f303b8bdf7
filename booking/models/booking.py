"""A booked session, its life cycle, and the database rule against double booking."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.errors import InvalidTransition
from booking.extensions import db
from booking.models.session_type import SessionType
from booking.models.therapist import Therapist


class BookingStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the visitor's email confirmation; holds its slot
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    EXPIRED = "expired"  # pending, not confirmed in time; frees its slot


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


class Booking(db.Model):
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
    message: Mapped[str] = mapped_column(Text, default="")
    visitor_locale: Mapped[str] = mapped_column(String(5), default="de")
    visitor_timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    cta_source: Mapped[str] = mapped_column(String(120), default="")
    reminder_requested: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime]
    manage_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    sequence: Mapped[int] = mapped_column(default=0)

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # The therapist's own note; never shown to the visitor, never in mails or feeds.
    private_note: Mapped[str] = mapped_column(Text, default="")

    therapist: Mapped[Therapist] = relationship()
    session_type: Mapped[SessionType] = relationship()

    @property
    def ical_status(self) -> str:
        """STATUS in calendar files: a booking that no longer holds its time is CANCELLED."""
        if self.status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED):
            return "CANCELLED"
        return "TENTATIVE" if self.status is BookingStatus.PENDING else "CONFIRMED"

    def occupies_time(self, now: datetime) -> bool:
        """True while this booking keeps its slot from others."""
        if self.status is BookingStatus.PENDING:
            return self.hold_until is not None and now < self.hold_until
        return self.status in OCCUPYING

    def can_confirm(self, now: datetime) -> bool:
        return self.occupies_time(now) and self.status is BookingStatus.PENDING

    def confirm(self, now: datetime) -> None:
        self._require(self.can_confirm(now), "confirm")
        self.status = BookingStatus.CONFIRMED
        self.hold_until = None
        self.confirmed_at = now
        self.updated_at = now

    def can_expire(self, now: datetime) -> bool:
        return self.status is BookingStatus.PENDING and not self.occupies_time(now)

    def expire(self, now: datetime) -> None:
        self._require(self.can_expire(now), "expire")
        self.status = BookingStatus.EXPIRED
        self.updated_at = now

    def can_cancel(self, now: datetime) -> bool:
        return self.occupies_time(now) and self.status in (
            BookingStatus.PENDING, BookingStatus.CONFIRMED
        ) and now < self.end_utc

    def cancel(self, now: datetime, reason: str = "") -> None:
        self._require(self.can_cancel(now), "cancel")
        self.status = BookingStatus.CANCELLED
        self.cancelled_at = now
        self.cancel_reason = reason
        self._revise(now)

    def can_reschedule(self, now: datetime) -> bool:
        return self.can_cancel(now) and now < self.start_utc

    def reschedule(self, start: datetime, end: datetime,
                   blocked_start: datetime, blocked_end: datetime, now: datetime) -> None:
        """Move to a new time; identity and calendar UID stay, SEQUENCE goes up."""
        self._require(self.can_reschedule(now), "reschedule")
        self.start_utc, self.end_utc = start, end
        self.blocked_start_utc, self.blocked_end_utc = blocked_start, blocked_end
        self._revise(now)

    def can_visitor_change(self, now: datetime, cutoff: timedelta) -> bool:
        """Visitors may cancel or move online only until `cutoff` before the start."""
        return self.can_reschedule(now) and now <= self.start_utc - cutoff

    def can_complete(self, now: datetime) -> bool:
        return self.status is BookingStatus.CONFIRMED and now >= self.start_utc

    def complete(self, now: datetime) -> None:
        self._require(self.can_complete(now), "complete")
        self.status = BookingStatus.COMPLETED
        self.updated_at = now

    def mark_no_show(self, now: datetime) -> None:
        self._require(self.can_complete(now), "mark as no-show")
        self.status = BookingStatus.NO_SHOW
        self.updated_at = now

    def _revise(self, now: datetime) -> None:
        # A change calendar clients must apply: RFC 5545 wants a higher SEQUENCE.
        self.sequence += 1
        self.updated_at = now

    def _require(self, allowed: bool, action: str) -> None:
        if not allowed:
            raise InvalidTransition(f"a {self.status.value} booking cannot {action} now")
