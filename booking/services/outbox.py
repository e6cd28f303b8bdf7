"""The outbox: messages written in the transaction that caused them, delivered later.

What a message carries is typed (booking.models.outbox_payloads): one payload
type per kind, built by the service that queues it and read back by delivery.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypedDict

from booking.extensions import db
from booking.models import Booking, OutboxMessage, OutboxStatus, Recipient
from booking.models.outbox_payloads import BookingPayload, Payload, payload_to_json


class Snapshot(TypedDict):
    """The part every message about a booking carries: to whom, and the booking's time
    and calendar SEQUENCE when it was queued, so a message delivered late still
    describes the change that caused it."""

    recipient: Recipient
    sequence: int
    start: datetime
    end: datetime


def about(booking: Booking, recipient: Recipient) -> Snapshot:
    """The snapshot of `booking` for a message to `recipient`."""
    return Snapshot(recipient=recipient, sequence=booking.sequence, start=booking.start_utc,
                    end=booking.end_utc)


def enqueue(booking: Booking | None, payload: Payload, now: datetime, *,
            due_at: datetime | None = None) -> OutboxMessage:
    """Add a message (about `booking`, if it is about one) to the outbox of the current
    transaction (flush only)."""
    domain = booking.ical_uid.rpartition("@")[2] or "localhost" if booking else "account"
    message = OutboxMessage(
        kind=payload.kind.value,
        booking=booking,
        payload=payload_to_json(payload),
        status=OutboxStatus.QUEUED,
        message_id=f"<{payload.kind.value}.{uuid.uuid4().hex}@{domain}>",
        attempts=0,
        due_at=due_at or now,
        created_at=now,
    )
    db.session.add(message)
    return message


def enqueue_for_visitors(booking: Booking, payload: BookingPayload, now: datetime) -> None:
    """`payload` to the visitor and, for couples who gave one, to the partner's address."""
    enqueue(booking, payload.model_copy(update={"recipient": Recipient.VISITOR}), now)
    if booking.partner_email:
        enqueue(booking, payload.model_copy(update={"recipient": Recipient.PARTNER}), now)
