"""What a therapist sees of their bookings: upcoming, past, searched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from booking.extensions import db
from booking.models import Booking
from booking.services.schedule import occupying_at

PAGE = 200  # more than a practice has in a few weeks; older ones are a search away


def bookings_of(therapist_id: int, *, now: datetime, past: bool = False,
                search: str = "") -> list[Booking]:
    """Upcoming bookings soonest first (pending ones included while they hold their
    slot), or past and cancelled ones latest first; optionally only those whose
    visitor's name or email contains `search`."""
    query = select(Booking).where(Booking.therapist_id == therapist_id)
    if past:
        query = query.where(or_(Booking.end_utc <= now, ~occupying_at(now))).order_by(
            Booking.start_utc.desc())
    else:
        query = query.where(Booking.end_utc > now, occupying_at(now)).order_by(Booking.start_utc)
    if search.strip():
        pattern = f"%{_escape_like(search.strip().lower())}%"
        query = query.where(or_(func.lower(Booking.visitor_name).like(pattern, escape="\\"),
                                func.lower(Booking.visitor_email).like(pattern, escape="\\")))
    return list(db.session.scalars(query.limit(PAGE)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


