"""The outbox: messages written in the transaction that caused them, delivered later."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from booking.extensions import db
from booking.models import Booking, MessageKind, OutboxMessage, OutboxStatus, Recipient


def enqueue(kind: MessageKind, booking: Booking, recipient: Recipient, now: datetime, *,
            due_at: datetime | None = None, **details: Any) -> OutboxMessage:
    """Add a message about `booking` to the outbox of the current transaction (flush only).

    The booking's time and calendar SEQUENCE are snapshotted, so a message
    delivered late still describes the change that caused it.
    """
    domain = booking.ical_uid.rpartition("@")[2] or "localhost"
    message = OutboxMessage(
        kind=kind.value,
        booking=booking,
        payload={
            "recipient": recipient.value,
            "sequence": booking.sequence,
            "start": booking.start_utc.isoformat(),
            "end": booking.end_utc.isoformat(),
            **details,
        },
        status=OutboxStatus.QUEUED,
        message_id=f"<{kind.value}.{uuid.uuid4().hex}@{domain}>",
        attempts=0,
        due_at=due_at or now,
        created_at=now,
    )
    db.session.add(message)
    return message


def enqueue_for_visitors(kind: MessageKind, booking: Booking, now: datetime,
                         **details: Any) -> None:
    """The visitor and, for couples who gave one, the partner's address."""
    enqueue(kind, booking, Recipient.VISITOR, now, **details)
    if booking.partner_email:
        enqueue(kind, booking, Recipient.PARTNER, now, **details)
