"""A therapist's stored schedule as the slot engine sees it, and the lock under
which booked time changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Executable,
    Result,
    String,
    and_,
    bindparam,
    func,
    null,
    or_,
    select,
    union_all,
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
    found = bookable(therapist, session_type)
    return found is not None and offers(found, slot_start, now=now,
                                        holiday_state=holiday_state, ignoring=ignoring)


@dataclass(frozen=True)
class Bookable:
    """A therapist's stored schedule for one session type, as the slot engine takes it,
    with the therapist's schedule version it was read at. Plain values: it outlives the
    transaction it was read in, and lock_schedule tells whether it is still current."""

    therapist_id: int
    session_type_id: int
    version: int
    zone: ZoneInfo
    weekly: tuple[availability.WeeklyHours, ...]
    rules: availability.Rules
    is_free: bool


def bookable(therapist: Therapist, session_type: SessionType) -> Bookable | None:
    """What the slot engine needs of `therapist` for `session_type`; None when they
    cannot be booked for it at all (inactive, no rules, an inactive session type)."""
    if not (therapist.active and session_type.active):
        return None
    rules = engine_rules(therapist, session_type)
    if rules is None:
        return None
    return Bookable(therapist.id, session_type.id, therapist.schedule_version, therapist.zone,
                    tuple(therapist.weekly_hours()), rules, session_type.is_free)


def offers(found: Bookable, slot_start: datetime, *, now: datetime, holiday_state: str,
           ignoring: Booking | None = None) -> bool:
    """is_offered for a Bookable: the therapist's bookings, time off, busy time and the
    practice's closed days are read from the database now."""
    end = slot_start + timedelta(seconds=1)
    schedule = _schedules_of([found], now, slot_start, end, holiday_state,
                             ignoring).get(found.therapist_id)
    return schedule is not None and availability.is_offered(slot_start, **schedule)


def engine_rules(therapist: Therapist, session_type: SessionType) -> availability.Rules | None:
    if therapist.rules is None:
        return None
    return therapist.rules.for_session(session_type.duration)


def _schedules(team: Sequence[Therapist], session_type: SessionType, now: datetime,
               start: datetime, end: datetime, holiday_state: str,
               ignoring: Booking | None = None) -> dict[int, _Schedule]:
    """The engine's input for each of `team` who can be booked at all, by therapist id."""
    return _schedules_of([found for t in team if (found := bookable(t, session_type))],
                         now, start, end, holiday_state, ignoring)


def _schedules_of(team: Sequence[Bookable], now: datetime, start: datetime, end: datetime,
                  holiday_state: str, ignoring: Booking | None = None) -> dict[int, _Schedule]:
    if not team:
        return {}
    margin = _CAP_MARGIN + max(b.rules.duration + b.rules.buffer_before + b.rules.buffer_after
                               for b in team)
    low, high = start - margin, end + margin
    ids = [b.therapist_id for b in team]
    booked, unavailable = _calendar(ids, low, high, now, ignoring)
    closed = closing.closed_for_engine(low, high, holiday_state=holiday_state)
    return {
        b.therapist_id: {
            "zone": b.zone,
            "weekly": list(b.weekly),
            "unavailable": unavailable.get(b.therapist_id, []),
            "booked": booked.get(b.therapist_id, []),
            "rules": b.rules,
            "now": now,
            "closed": closed,
        }
        for b in team
    }


def is_blocked(therapist_id: int, window: availability.Interval, now: datetime) -> bool:
    """True when anything in the therapist's calendar overlaps `window`: a booking that
    holds its time, time off, or the busy time of their own calendars."""
    booked, unavailable = _calendar([therapist_id], window.start, window.end, now,
                                    ignoring=None)
    return bool(booked or unavailable)


def _calendar(therapist_ids: list[int], low: datetime, high: datetime, now: datetime,
              ignoring: Booking | None) -> tuple[dict[int, list[availability.Booked]],
                                                 dict[int, list[availability.Interval]]]:
    """What stands in the way between `low` and `high`, by therapist id: the bookings
    that hold their time (but `ignoring`), and time off with the busy time of the
    therapists' own calendars. One statement: it runs for every slot computation and
    in every booking's re-check."""
    values = {"ids": therapist_ids, "low": low, "high": high, "now": now}
    if ignoring is not None:
        values["ignored_id"] = ignoring.id
    rows: Result[int, datetime | None, datetime, datetime, bool | None] = read_columns(
        _CALENDAR_IGNORING if ignoring is not None else _CALENDAR, values)
    bookings: dict[int, list[availability.Booked]] = {}
    unavailable: dict[int, list[availability.Interval]] = {}
    for therapist_id, start, begins, ends, is_free in rows:
        if start is None:
            unavailable.setdefault(therapist_id, []).append(availability.Interval(begins, ends))
        else:
            bookings.setdefault(therapist_id, []).append(availability.Booked(
                start, availability.Interval(begins, ends), bool(is_free)))
    return bookings, unavailable


def _calendar_statement(*, ignoring: bool) -> CompoundSelect[Any]:
    ids: BindParameter[list[int]] = bindparam("ids", expanding=True)
    low: BindParameter[datetime] = bindparam("low")
    high: BindParameter[datetime] = bindparam("high")
    booked = (
        select(Booking.therapist_id, Booking.start_utc, Booking.blocked_start_utc,
               Booking.blocked_end_utc, SessionType.is_free)
        .join(SessionType, Booking.session_type_id == SessionType.id)
        .where(Booking.therapist_id.in_(ids), Booking.blocked_end_utc > low,
               Booking.blocked_start_utc < high, occupying_at(bindparam("now")))
    )
    if ignoring:
        booked = booked.where(Booking.id != bindparam("ignored_id"))
    # Unavailable time: no booking start (and no free or not).
    time_off = select(TimeOff.therapist_id, null(), TimeOff.start_utc, TimeOff.end_utc,
                      null()).where(TimeOff.therapist_id.in_(ids), TimeOff.end_utc > low,
                                    TimeOff.start_utc < high)
    busy = select(BusyInterval.therapist_id, null(), BusyInterval.start_utc,
                  BusyInterval.end_utc, null()).where(
        BusyInterval.therapist_id.in_(ids), BusyInterval.end_utc > low,
        BusyInterval.start_utc < high)
    return union_all(booked, time_off, busy)


def read_columns(statement: Executable, values: dict[str, Any]
                 ) -> Result[*tuple[Any, ...]]:
    """Run a Core statement of columns (built once, see below) in the session's
    transaction, after flushing what the session holds, as the ORM would: past the
    ORM's result machinery, which rows of plain columns do not need (these statements
    run with every booking and every slot computation)."""
    session = db.session()
    session.flush()
    return session.connection().execute(statement, values)


def occupying_at(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    """SQL for Booking.occupies_time(now): a lapsed pending hold occupies nothing."""
    return and_(
        Booking.status.in_(OCCUPYING),
        or_(Booking.status != BookingStatus.PENDING, Booking.hold_until > now),
    )


# Built once (SQLAlchemy then keeps their compiled form without rebuilding them): they run
# for every slot computation and every booking.
_CALENDAR = _calendar_statement(ignoring=False)
_CALENDAR_IGNORING = _calendar_statement(ignoring=True)


def lock_schedule(*therapist_ids: int, person: str | None = None) -> dict[int, int]:
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

    Returns each locked therapist's schedule version as it stood when the lock was
    taken: a Bookable read at that version is still what the database holds.

    `person` (an email key) takes lock_person's lock as well, after the therapist's,
    in the same statement on PostgreSQL (one round trip fewer for a free booking).
    """
    ids = sorted(set(therapist_ids))
    with_person = person is not None and _locks_people()
    versions = {}
    for therapist_id in ids:
        values: dict[str, Any] = {"locked_id": therapist_id}
        if with_person and therapist_id == ids[-1]:
            values["email_key"] = person
            moved = read_columns(_LOCK_WITH_PERSON, values).scalar()
        else:
            moved = read_columns(_LOCK, values).scalar()
        if moved is not None:
            versions[therapist_id] = moved - 1
        elif with_person and therapist_id == ids[-1]:  # no such row: lock the person alone
            read_columns(_LOCK_PERSON, {"email_key": person})
    schedule_version.bumped_in_transaction(db.session(), therapist_ids)
    return versions


# Built once: they run on every booking.
_MOVE = (update(Therapist).where(Therapist.id == bindparam("locked_id"))
         .values(schedule_version=Therapist.schedule_version + 1)
         .execution_options(synchronize_session=False))
_LOCK = _MOVE.returning(Therapist.schedule_version)
_PERSON_LOCK = func.pg_advisory_xact_lock(func.hashtext(bindparam("email_key", type_=String)))
_LOCK_WITH_PERSON = _MOVE.returning(Therapist.schedule_version, _PERSON_LOCK)


def lock_person(email_key: str) -> None:
    """Within a booking transaction: let one booking per person at a time check the
    one-free-first-consultation rule (PostgreSQL; SQLite has one writer anyway).
    The rule spans therapists, so the therapist's lock alone does not cover it."""
    if _locks_people():
        read_columns(_LOCK_PERSON, {"email_key": email_key})


def _locks_people() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


_LOCK_PERSON = select(_PERSON_LOCK)
