"""Addresses of other systems that want to hear about bookings (webhooks)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.extensions import Model


class WebhookEvent(enum.StrEnum):
    """What an endpoint can subscribe to: one per step of a booking's life."""

    REQUESTED = "booking.requested"
    CONFIRMED = "booking.confirmed"
    CANCELLED = "booking.cancelled"
    RESCHEDULED = "booking.rescheduled"
    EXPIRED = "booking.expired"
    # Sent only by the admin's "send test event" button, to every endpoint asked.
    TEST = "webhook.test"


class WebhookEndpoint(Model):
    """A receiver of signed events. Its signing secret is derived from SECRET_KEY and
    the row's random nonce (like a feed's address): the admin sees it once, when the
    endpoint is added, and the database alone reveals nothing to sign with."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Off by default: payloads carry ids, times, therapist, status and source only.
    include_client_details: Mapped[bool] = mapped_column(default=False)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


def subscribed_to(events: list[str], event: WebhookEvent) -> bool:
    """True when an endpoint subscribed to `events` is sent `event` (a test event is sent
    to every endpoint asked)."""
    return event is WebhookEvent.TEST or event.value in events
