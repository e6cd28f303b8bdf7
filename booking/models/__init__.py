"""Typed SQLAlchemy models, one module per aggregate."""

from booking.models.booking import (
    OCCUPYING,
    Actor,
    Booking,
    BookingEvent,
    BookingStatus,
    EventKind,
)
from booking.models.calendars import BusyCalendar, BusyInterval, CalendarFeed, FeedScope
from booking.models.outbox import MessageKind, OutboxMessage, OutboxStatus, Recipient
from booking.models.schedule_version import init as _track_schedule_versions
from booking.models.session_type import FIRST_SESSION_SLUG, SessionType
from booking.models.therapist import BookingRules, Role, Therapist, TimeOff, WorkingHours
from booking.models.waiver import FirstSessionWaiver
from booking.models.webhooks import WebhookEndpoint, WebhookEvent

_track_schedule_versions()

__all__ = [
    "FIRST_SESSION_SLUG",
    "OCCUPYING",
    "Actor",
    "Booking",
    "BookingEvent",
    "BookingRules",
    "BookingStatus",
    "BusyCalendar",
    "BusyInterval",
    "CalendarFeed",
    "EventKind",
    "FeedScope",
    "FirstSessionWaiver",
    "MessageKind",
    "OutboxMessage",
    "OutboxStatus",
    "Recipient",
    "Role",
    "SessionType",
    "Therapist",
    "TimeOff",
    "WebhookEndpoint",
    "WebhookEvent",
    "WorkingHours",
]
