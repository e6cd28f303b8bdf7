"""A therapist's stored schedule as the slot engine sees it, and the lock under
which booked time changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    and_,
    func,
    or_,
    select,
    true,
    update,
)

from booking import availability, committed_reads
from booking.extensions import db
from booking.models import (
    OCCUPYING,
    Booking,
    BookingStatus,
    BusyInterval,
    SessionType,
    Therapist,
    TimeOff,
    schedule_version,
)
from booking.services import closing

# The daily cap counts whole local days, so bookings up to a day either side of
# the asked window matter (no zone is more than 14 hours off UTC).
_CAP_MARGIN = timedelta(days=1)


# (therapists, the sum of their schedule versions, the highest therapist id): moves
# with every write that changes anyone's free time, and when a therapist comes or goes.
Version = tuple[int, int, int]


# Built once: it is read on every request a cache answers.
_VERSION = select(
    func.count(Therapist.id), func.coalesce(func.sum(Therapist.schedule_version), 0),
    func.coalesce(func.max(Therapist.id), 0))


def version() -> Version:
    """The practice's schedule version, from one small query: caches of free slots
    and pages are keyed on it (see models/schedule_version.py for what moves it)."""
    row = committed_reads.first_row(_VERSION)
    count, total, highest = tuple(row) if row is not None else (0, 0, 0)  # one row, always
    return int(count), int(total), int(highest)


class _Schedule(TypedDict):
    """What the slot engine needs to know about one therapist, as keyword arguments
    for availability.free_slots and availability.is_offered."""

    zone: ZoneInfo
    weekly: list[availability.WeeklyHours]
    unavailable: list[availability.Interval]
    booked: list[availability.Booked]
    rules: availability.Rules
    now: datetime
    closed: availability.ClosedDays


def free_slots(therapist: Therapist, session_type: SessionType, *, now: datetime,
               start: datetime, end: datetime, holiday_state: str, limit: int | None = None,
               ignoring: Booking | None = None) -> list[availability.Slot]:
    """The slots a visitor is offered for this therapist and session type in [start, end)
    (to the booking `ignoring`, when it is being moved); none on the practice's closed
    days (the public holidays of `holiday_state` and the closing periods)."""
    return free_slots_of_team([therapist], session_type, now=now, start=start, end=end,
                              holiday_state=holiday_state, limit=limit,
                              ignoring=ignoring)[therapist.id]


def free_slots_of_team(team: Sequence[Therapist], session_type: SessionType, *,
                       now: datetime, start: datetime, end: datetime, holiday_state: str,
                       limit: int | None = None, ignoring: Booking | None = None
                       ) -> dict[int, list[availability.Slot]]:
    """free_slots for each of `team` (by therapist id), from a fixed number of queries
    however large the team: each therapist's bookings and unavailable time are read
    for all of them at once."""
    schedules = _schedules(team, session_type, now, start, end, holiday_state, ignoring)
    return {therapist.id: availability.free_slots(**schedule, start=start, end=end, limit=limit)
            if (schedule := schedules.get(therapist.id)) is not None else []
            for therapist in team}


def is_offered(therapist: Therapist, session_type: SessionType, slot_start: datetime,
               *, now: datetime, holiday_state: str, ignoring: Booking | None = None) -> bool:
    """True when `slot_start` is a slot this therapist offers right now (to the
    booking `ignoring`, when it is being moved: its own time does not stand in its way)."""
    end = slot_start + timedelta(seconds=1)
    schedule = _schedules([therapist], session_type, now, slot_start, end, holiday_state,
                          ignoring).get(therapist.id)
    return schedule is not None and availability.is_offered(slot_start, **schedule)


def engine_rules(therapist: Therapist, session_type: SessionType) -> availability.Rules | None:
    if therapist.rules is None:
        return None
    return therapist.rules.for_session(session_type.duration)


def _schedules(team: Sequence[Therapist], session_type: SessionType, now: datetime,
               start: datetime, end: datetime, holiday_state: str,
               ignoring: Booking | None = None) -> dict[int, _Schedule]:
    """The engine's input for each of `team` who can be booked at all, by therapist id."""
    rules = {t.id: r for t in team
             if t.active and session_type.active and (r := engine_rules(t, session_type))}
    if not rules:
        return {}
    margin = _CAP_MARGIN + max(r.duration + r.buffer_before + r.buffer_after
                               for r in rules.values())
    low, high = start - margin, end + margin
    ids = list(rules)
    unavailable = _unavailable(ids, low, high)
    booked = _booked(ids, low, high, now, ignoring)
    closed = closing.closed_for_engine(low, high, holiday_state=holiday_state)
    return {
        therapist.id: {
            "zone": therapist.zone,
            "weekly": therapist.weekly_hours(),
            "unavailable": unavailable.get(therapist.id, []),
            "booked": booked.get(therapist.id, []),
            "rules": rules[therapist.id],
            "now": now,
            "closed": closed,
        }
        for therapist in team if therapist.id in rules
    }


def is_blocked(therapist_id: int, window: availability.Interval, now: datetime) -> bool:
    """True when anything in the therapist's calendar overlaps `window`: a booking that
    holds its time, time off, or the busy time of their own calendars."""
    return bool(_booked([therapist_id], window.start, window.end, now, ignoring=None)
                or _unavailable([therapist_id], window.start, window.end))


def _unavailable(therapist_ids: list[int], low: datetime, high: datetime
                 ) -> dict[int, list[availability.Interval]]:
    """Time off and the busy time of the therapists' own calendars, by therapist id."""
    time_off = select(TimeOff.therapist_id, TimeOff.start_utc, TimeOff.end_utc).where(
        TimeOff.therapist_id.in_(therapist_ids), TimeOff.end_utc > low, TimeOff.start_utc < high)
    busy = select(BusyInterval.therapist_id, BusyInterval.start_utc, BusyInterval.end_utc).where(
        BusyInterval.therapist_id.in_(therapist_ids), BusyInterval.end_utc > low,
        BusyInterval.start_utc < high)
    found: dict[int, list[availability.Interval]] = {}
    for therapist_id, start, end in db.session.execute(time_off.union_all(busy)):
        found.setdefault(therapist_id, []).append(availability.Interval(start, end))
    return found


def _booked(therapist_ids: list[int], low: datetime, high: datetime, now: datetime,
            ignoring: Booking | None) -> dict[int, list[availability.Booked]]:
    ignored_id = ignoring.id if ignoring is not None else None
    rows = db.session.execute(
        select(Booking.therapist_id, Booking.start_utc, Booking.blocked_start_utc,
               Booking.blocked_end_utc, SessionType.is_free)
        .join(SessionType, Booking.session_type_id == SessionType.id)
        .where(
            Booking.therapist_id.in_(therapist_ids),
            Booking.blocked_end_utc > low,
            Booking.blocked_start_utc < high,
            occupying_at(now),
            Booking.id != ignored_id if ignored_id is not None else true(),
        )
    )
    found: dict[int, list[availability.Booked]] = {}
    for therapist_id, start, blocked_start, blocked_end, is_free in rows:
        found.setdefault(therapist_id, []).append(availability.Booked(
            start, availability.Interval(blocked_start, blocked_end), is_free))
    return found


def occupying_at(now: datetime) -> ColumnElement[bool]:
    """SQL for Booking.occupies_time(now): a lapsed pending hold occupies nothing."""
    return and_(
        Booking.status.in_(OCCUPYING),
        or_(Booking.status != BookingStatus.PENDING, Booking.hold_until > now),
    )


def lock_schedule(*therapist_ids: int) -> None:
    """Lock therapists' booked time for the rest of the transaction: the first step
    inside `unit_of_work(immediate=True)`, so the lock covers everything the re-check
    reads; call this once per transaction.

    PostgreSQL: the therapist rows are locked (in id order, so two such transactions
    cannot deadlock), and writers for one therapist take turns (the daily cap spans
    rows; the exclusion constraint stays the backstop for overlaps). SQLite: the
    immediate unit of work lets one writer in at a time.

    The lock is taken by moving the therapists' schedule versions: whoever locks is
    about to change their booked time, and the version has to move with it anyway
    (the session's own bump then leaves these rows alone; a rollback undoes both).
    """
    for therapist_id in sorted(set(therapist_ids)):
        db.session.execute(update(Therapist).where(Therapist.id == therapist_id)
                           .values(schedule_version=Therapist.schedule_version + 1)
                           .execution_options(synchronize_session=False))
    schedule_version.bumped_in_transaction(db.session(), therapist_ids)


def lock_person(email_key: str) -> None:
    """Within a booking transaction: let one booking per person at a time check the
    one-free-first-consultation rule (PostgreSQL; SQLite has one writer anyway).
    The rule spans therapists, so the therapist's lock alone does not cover it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(email_key))))
