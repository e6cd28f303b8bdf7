"""What a therapist sees of their bookings: upcoming, past, searched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from booking.extensions import db
from booking.models import Booking, BookingStatus
from booking.services.schedule import occupying_at

PAGE = 200  # more than a practice has in a few weeks; older ones are a search away


@dataclass(frozen=True)
class BookingFilter:
    """What the admin narrows the practice's list to; None is "any"."""

    therapist_id: int | None = None
    status: BookingStatus | None = None
    source: str | None = None  # "" for bookings without a source
    start_from: datetime | None = None  # UTC, inclusive
    start_before: datetime | None = None  # UTC, exclusive

    @property
    def narrows(self) -> bool:
        return any(value is not None for value in (self.therapist_id, self.status,
                                                   self.source, self.start_from,
                                                   self.start_before))


def bookings_of(therapist_id: int | None, *, now: datetime, past: bool = False,
                search: str = "", narrowed: BookingFilter | None = None,
                limit: int | None = PAGE) -> list[Booking]:
    """A therapist's (or, with None, the whole practice's) upcoming bookings soonest
    first (pending ones included while they hold their slot), or past and cancelled
    ones latest first; optionally only those whose visitor's name or email contains
    `search`. A `narrowed` list (any filter set) holds every booking that matches it,
    past or upcoming, in start order; `limit` None for all of them."""
    query = select(Booking).options(joinedload(Booking.therapist))
    if therapist_id is not None:
        query = query.where(Booking.therapist_id == therapist_id)
    if narrowed is not None and narrowed.narrows:
        query = _narrowed(query, narrowed).order_by(Booking.start_utc, Booking.id)
    elif past:
        query = query.where(or_(Booking.end_utc <= now, ~occupying_at(now))).order_by(
            Booking.start_utc.desc())
    else:
        query = query.where(Booking.end_utc > now, occupying_at(now)).order_by(Booking.start_utc)
    if search.strip():
        pattern = f"%{_escape_like(search.strip().lower())}%"
        query = query.where(or_(func.lower(Booking.visitor_name).like(pattern, escape="\\"),
                                func.lower(Booking.visitor_email).like(pattern, escape="\\")))
    return list(db.session.scalars(query.limit(limit)))


def sources() -> list[str]:
    """Every call-to-action source bookings came through ("" for none), by name."""
    return sorted(db.session.scalars(select(Booking.cta_source).distinct()))


def _narrowed(query: Select[Booking], narrowed: BookingFilter
              ) -> Select[Booking]:
    if narrowed.therapist_id is not None:
        query = query.where(Booking.therapist_id == narrowed.therapist_id)
    if narrowed.status is not None:
        query = query.where(Booking.status == narrowed.status)
    if narrowed.source is not None:
        query = query.where(Booking.cta_source == narrowed.source)
    if narrowed.start_from is not None:
        query = query.where(Booking.start_utc >= narrowed.start_from)
    if narrowed.start_before is not None:
        query = query.where(Booking.start_utc < narrowed.start_before)
    return query


def upcoming_counts(now: datetime) -> dict[int, int]:
    """How many upcoming bookings each therapist has (only those with any)."""
    rows = db.session.execute(
        select(Booking.therapist_id, func.count()).where(Booking.end_utc > now, occupying_at(now))
        .group_by(Booking.therapist_id))
    return dict(rows.all())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


