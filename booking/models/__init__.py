"""Typed SQLAlchemy models, one module per aggregate."""

from booking.models.audit import AuditAction, BookingAudit
from booking.models.booking import (
    OCCUPYING,
    Actor,
    Booking,
    BookingEvent,
    BookingStatus,
    EventKind,
)
from booking.models.calendars import BusyCalendar, BusyInterval, CalendarFeed, FeedScope
from booking.models.closing import ClosingPeriod
from booking.models.data_export import DataExport
from booking.models.legal_text import LegalKind, LegalText
from booking.models.outbox import MessageKind, OutboxMessage, OutboxStatus, Recipient
from booking.models.practice import MediaImage, PracticeProfile
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
    "AuditAction",
    "Booking",
    "BookingAudit",
    "BookingEvent",
    "BookingRules",
    "BookingStatus",
    "BusyCalendar",
    "BusyInterval",
    "CalendarFeed",
    "ClosingPeriod",
    "DataExport",
    "EventKind",
    "FeedScope",
    "FirstSessionWaiver",
    "MediaImage",
    "LegalKind",
    "LegalText",
    "MessageKind",
    "OutboxMessage",
    "OutboxStatus",
    "PracticeProfile",
    "Recipient",
    "Role",
    "SessionType",
    "Therapist",
    "TimeOff",
    "WebhookEndpoint",
    "WebhookEvent",
    "WorkingHours",
]
