"""Outgoing mail: pure message composition and the transports that deliver it."""

from booking.mail.message import Calendar, InlineImage, compose
from booking.mail.transports import DeliveryError, Transport, transport_from_url

__all__ = ["Calendar", "DeliveryError", "InlineImage", "Transport", "compose", "transport_from_url"]
