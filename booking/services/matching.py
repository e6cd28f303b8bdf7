"""'First available': slots across the team, and whom to book when several are free."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from booking import availability
from booking.extensions import db
from booking.models import Booking, SessionType, Therapist
from booking.services import schedule
from booking.services.schedule import occupying_at

# Fairness looks at how busy each therapist is over the coming weeks.
_FAIRNESS_WINDOW = timedelta(days=28)


def bookable_team(language: str | None = None) -> list[Therapist]:
    """Active therapists, optionally only those who hold sessions in `language`."""
    team = db.session.scalars(
        select(Therapist).where(Therapist.active).order_by(Therapist.display_name)
    ).all()
    return [t for t in team if language is None or language in t.languages]


def team_slots(team: list[Therapist], session_type: SessionType, *, now: datetime,
               start: datetime, end: datetime) -> list[availability.Slot]:
    """Every start at which at least one of `team` is free, sorted and unique."""
    starts: dict[datetime, availability.Slot] = {}
    for therapist in team:
        for slot in schedule.free_slots(therapist, session_type, now=now, start=start, end=end):
            starts.setdefault(slot.start, slot)
    return [starts[key] for key in sorted(starts)]


def fair_order(team: list[Therapist], session_type: SessionType, start: datetime, *,
               now: datetime, rng: random.Random | None = None) -> list[Therapist]:
    """Those of `team` who offer `start`, the least busy first (ties in random order),
    so that 'first available' spreads new clients over the team."""
    offering = [t for t in team if schedule.is_offered(t, session_type, start, now=now)]
    load = _upcoming_load([t.id for t in offering], now)
    (rng or random.Random()).shuffle(offering)
    return sorted(offering, key=lambda t: load.get(t.id, 0))


def _upcoming_load(therapist_ids: list[int], now: datetime) -> dict[int, int]:
    if not therapist_ids:
        return {}
    rows = db.session.execute(
        select(Booking.therapist_id, func.count())
        .where(Booking.therapist_id.in_(therapist_ids), occupying_at(now),
               Booking.start_utc >= now, Booking.start_utc < now + _FAIRNESS_WINDOW)
        .group_by(Booking.therapist_id)
    )
    return dict(rows.all())
