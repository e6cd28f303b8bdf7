"""'First available': slots across the team, and whom to book when several are free."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from booking import availability
from booking.extensions import db
from booking.models import FIRST_SESSION_SLUG, Booking, SessionType, Therapist
from booking.services import schedule
from booking.services.schedule import occupying_at

# Fairness looks at how busy each therapist is over the coming weeks.
_FAIRNESS_WINDOW = timedelta(days=28)
ALTERNATIVES = 3  # free times offered when the chosen one was just taken
# Most therapists are free within two weeks: look there first, then up to the horizon.
_NEAR = timedelta(days=14)
# What the slot engine reads of each therapist, loaded with the team in one query each.
_SCHEDULE_LOADED = (selectinload(Therapist.rules), selectinload(Therapist.working_hours))


def bookable_team(language: str | None = None) -> list[Therapist]:
    """Active therapists with working hours (a newly invited one appears once they
    have set theirs), optionally only those who hold sessions in `language`."""
    team = db.session.scalars(
        select(Therapist).where(Therapist.active, Therapist.working_hours.any())
        .options(*_SCHEDULE_LOADED).order_by(Therapist.display_name)
    ).all()
    return [t for t in team if language is None or language in t.languages]


def bookable_therapist(slug: str) -> Therapist | None:
    return db.session.scalars(_BY_SLUG, {"slug": slug}).unique().first()


# One therapist: rules and hours joined, one statement (a booking reads them on every
# post, and re-uses them under the lock while the schedule version stands). Built once.
_BY_SLUG = (select(Therapist).where(Therapist.slug == bindparam("slug"), Therapist.active)
            .options(joinedload(Therapist.rules), joinedload(Therapist.working_hours)))


def team_slots(team: list[Therapist], session_type: SessionType, *, now: datetime,
               start: datetime, end: datetime, holiday_state: str) -> list[availability.Slot]:
    """Every start at which at least one of `team` is free, sorted and unique."""
    starts: dict[datetime, availability.Slot] = {}
    each = schedule.free_slots_of_team(team, session_type, now=now, start=start, end=end,
                                       holiday_state=holiday_state)
    for therapist in team:
        for slot in each[therapist.id]:
            starts.setdefault(slot.start, slot)
    return [starts[key] for key in sorted(starts)]


def fair_order(team: list[Therapist], session_type: SessionType, start: datetime, *,
               now: datetime, holiday_state: str,
               rng: random.Random | None = None) -> list[Therapist]:
    """Those of `team` who offer `start`, the least busy first (ties in random order),
    so that 'first available' spreads new clients over the team."""
    offering = [t for t in team if schedule.is_offered(t, session_type, start, now=now,
                                                       holiday_state=holiday_state)]
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


def first_session_type() -> SessionType | None:
    """The free first consultation that the articles' buttons book."""
    return db.session.scalar(_FIRST_SESSION)


_FIRST_SESSION = select(SessionType).where(SessionType.slug == FIRST_SESSION_SLUG,
                                           SessionType.active)


def bookable_session_type(slug: str) -> SessionType | None:
    """An offered kind of session, by its slug."""
    return db.session.scalar(select(SessionType).where(SessionType.slug == slug,
                                                       SessionType.active))


def next_free(team: list[Therapist], session_type: SessionType, *, now: datetime,
              holiday_state: str, after: datetime | None = None,
              ignoring: Booking | None = None) -> dict[int, availability.Slot | None]:
    """Each therapist's first free slot (from `after`), or None within their horizon;
    by therapist id. For the booking `ignoring`, when it is being moved, its time
    stands in no one's way, and is itself no free slot: its own time is no move."""
    start = after or now
    found: dict[int, availability.Slot | None] = {}
    horizon = max((now + timedelta(days=t.rules.horizon_days) for t in team if t.rules),
                  default=now)
    # The moving booking's own time may come first, and is left out: one more then.
    limit = 1 if ignoring is None else 2
    for end in (min(start + _NEAR, horizon), horizon):
        missing = [t for t in team if found.get(t.id) is None]
        if not missing or end <= start:
            break
        each = schedule.free_slots_of_team(missing, session_type, now=now, start=start, end=end,
                                           holiday_state=holiday_state, limit=limit,
                                           ignoring=ignoring)
        found.update({t.id: _first_other_than_own(each[t.id], t, ignoring) for t in missing})
    return {t.id: found.get(t.id) for t in team}


def _first_other_than_own(slots: list[availability.Slot], therapist: Therapist,
                          moving: Booking | None) -> availability.Slot | None:
    """The first of `therapist`'s `slots` that is not the time `moving` already has."""
    own = moving.start_utc if moving is not None and moving.therapist_id == therapist.id else None
    return next((slot for slot in slots if slot.start != own), None)


def first_free(team: list[Therapist], session_type: SessionType, *, now: datetime,
               after: datetime, holiday_state: str,
               ignoring: Booking | None = None) -> availability.Slot | None:
    """The earliest free slot of anyone in `team` from `after` (the "jump to" link);
    for the booking `ignoring`, when it is being moved, as next_free says."""
    found = [slot for slot in next_free(team, session_type, now=now, after=after,
                                        holiday_state=holiday_state,
                                        ignoring=ignoring).values() if slot]
    return min(found, key=lambda slot: slot.start) if found else None


def nearest(team: list[Therapist], session_type: SessionType, start: datetime, *,
            now: datetime, holiday_state: str,
            count: int = ALTERNATIVES) -> list[availability.Slot]:
    """The free slots closest in time to `start` (offered when it was just taken)."""
    window = team_slots(team, session_type, now=now, start=start - timedelta(days=7),
                        end=start + timedelta(days=14), holiday_state=holiday_state)
    return sorted(window, key=lambda slot: abs(slot.start - start))[:count]
