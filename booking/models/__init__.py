"""Typed SQLAlchemy models, one module per aggregate."""

from booking.models.booking import OCCUPYING, Booking, BookingStatus
from booking.models.calendars import BusyCalendar, BusyInterval, CalendarFeed, FeedScope
from booking.models.outbox import MessageKind, OutboxMessage, OutboxStatus, Recipient
from booking.models.session_type import FIRST_SESSION_SLUG, SessionType
from booking.models.therapist import BookingRules, Role, Therapist, TimeOff, WorkingHours

__all__ = [
    "FIRST_SESSION_SLUG",
    "OCCUPYING",
    "Booking",
    "BookingRules",
    "BookingStatus",
    "BusyCalendar",
    "BusyInterval",
    "CalendarFeed",
    "FeedScope",
    "MessageKind",
    "OutboxMessage",
    "OutboxStatus",
    "Recipient",
    "Role",
    "SessionType",
    "Therapist",
    "TimeOff",
    "WorkingHours",
]
