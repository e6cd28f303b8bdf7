"""Messages waiting to leave the process, written in the transaction that caused them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import Model
from booking.models.booking import Booking


class MessageKind(enum.StrEnum):
    CONFIRM_REQUEST = "confirm_request"  # double opt-in link, to the visitor
    CONFIRMED = "booking_confirmed"  # with the invite, to the visitor and partner
    NEW_BOOKING = "new_booking"  # with the same event, to the therapist
    CANCELLED = "booking_cancelled"  # METHOD:CANCEL to everyone who had the invite
    RESCHEDULED = "booking_rescheduled"  # METHOD:REQUEST, higher SEQUENCE
    REASSIGNED = "booking_reassigned"  # now with a colleague: a new invitation (new UID)
    REMINDER = "reminder"  # to visitors who asked for one
    EXPIRED = "booking_expired"  # not confirmed in time
    ALREADY_BOOKED = "already_booked"  # asked for a second free first consultation
    PASSWORD_RESET = "password_reset"  # to a therapist, with a single-use link
    INVITATION = "invitation"  # to a new therapist, to set their password
    WEBHOOK = "webhook"  # a signed event to one webhook endpoint, not a mail
    COPY_OF_DATA = "copy_of_data"  # a one-time link to a copy of the visitor's data


class Recipient(enum.StrEnum):
    VISITOR = "visitor"
    PARTNER = "partner"
    THERAPIST = "therapist"
    WEBHOOK = "webhook"  # another system, at a webhook endpoint's URL


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    SKIPPED = "skipped"  # obsolete by delivery time (e.g. a reminder of a moved booking)
    FAILED = "failed"  # gave up after the last retry; an admin can queue it again


class OutboxMessage(Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking.id", ondelete="CASCADE"), index=True
    )
    # What the message needs besides the booking (recipient role, reason, …);
    # rendering happens at delivery, in the recipient's language.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, native_enum=False, create_constraint=True, length=16,
             name="outbox_status", values_callable=lambda statuses: [s.value for s in statuses]),
        default=OutboxStatus.QUEUED,
    )
    # A stable Message-ID: a retried delivery is recognisably the same message.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    # A worker's claim; a claim that lapses (the worker died mid-send) is retried.
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    booking: Mapped[Booking | None] = relationship()
