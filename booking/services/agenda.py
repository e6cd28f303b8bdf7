"""What a therapist sees of their bookings: upcoming, past, searched."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import Booking
from booking.services.schedule import occupying_at

PAGE = 200  # more than a practice has in a few weeks; older ones are a search away


def bookings_of(therapist_id: int | None, *, now: datetime, past: bool = False,
                search: str = "") -> list[Booking]:
    """A therapist's (or, with None, the whole practice's) upcoming bookings soonest
    first (pending ones included while they hold their slot), or past and cancelled
    ones latest first; optionally only those whose visitor's name or email contains
    `search`."""
    query = select(Booking).options(joinedload(Booking.therapist))
    if therapist_id is not None:
        query = query.where(Booking.therapist_id == therapist_id)
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


def upcoming_counts(now: datetime) -> dict[int, int]:
    """How many upcoming bookings each therapist has (only those with any)."""
    rows = db.session.execute(
        select(Booking.therapist_id, func.count()).where(Booking.end_utc > now, occupying_at(now))
        .group_by(Booking.therapist_id))
    return dict(rows.all())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


