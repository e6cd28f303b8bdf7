"""Typed SQLAlchemy models, one module per aggregate."""

from booking.models.booking import OCCUPYING, Booking, BookingStatus
from booking.models.outbox import MessageKind, OutboxMessage, OutboxStatus, Recipient
from booking.models.session_type import SessionType
from booking.models.therapist import BookingRules, Role, Therapist, TimeOff, WorkingHours

__all__ = [
    "OCCUPYING",
    "Booking",
    "BookingRules",
    "BookingStatus",
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
