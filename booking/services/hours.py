"""A therapist's weekly hours and time off, as they edit them."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import TypedDict, Unpack

from sqlalchemy import select

from booking import validation
from booking.errors import InvalidInput, NotFound
from booking.extensions import db
from booking.meeting_links import TemplateProblem, check_template
from booking.models import Booking, BookingRules, Therapist, TimeOff, WorkingHours
from booking.services.schedule import occupying_at
from booking.services.team import member
from booking.transactions import unit_of_work

# "09:00-12:30" and the ways people write it: "9-12", "9.30 – 12 Uhr", "9 bis 12".
_INTERVAL = re.compile(r"^\s*(\d{1,2})(?:[:.](\d{2}))?\s*(?:-|–|bis|to)\s*"
                       r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr)?\s*$", re.IGNORECASE)


class HoursProblem(InvalidInput):
    """What is wrong with a day's hours: `code` is one of "format", "not_a_time",
    "reversed", "overlap"; `part` is the piece of text it is about."""

    def __init__(self, code: str, part: str):
        super().__init__("hours", f"{code}: {part}")
        self.code, self.part = code, part


def parse_day(text: str) -> list[tuple[time, time]]:
    """"09:00-12:30, 13:30-17:00" as sorted intervals, or HoursProblem."""
    intervals = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        match = _INTERVAL.match(part)
        if not match:
            raise HoursProblem("format", part)
        h1, m1, h2, m2 = (int(n or 0) for n in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise HoursProblem("not_a_time", part)
        start, end = time(h1, m1), time(h2, m2)
        if end <= start:
            raise HoursProblem("reversed", part)
        intervals.append((start, end))
    intervals.sort()
    for (_, end), (next_start, _) in zip(intervals, intervals[1:], strict=False):
        if next_start < end:
            raise HoursProblem("overlap", text.strip())
    return intervals


def replace_weekly_hours(therapist_id: int, week: dict[int, list[tuple[time, time]]], *,
                         now: datetime) -> list[Booking]:
    """Replace the therapist's weekly hours with `week` (weekday -> intervals as
    parse_day gives them), in one transaction. Existing bookings stay as they are;
    the ones that now lie outside the hours are returned, for the therapist to decide."""
    with unit_of_work():
        therapist = member(therapist_id)
        therapist.working_hours.clear()
        for weekday, intervals in sorted(week.items()):
            for start, end in intervals:
                therapist.working_hours.append(
                    WorkingHours(weekday=weekday, start_time=start, end_time=end))
    return outside_hours(therapist, now=now)


def outside_hours(therapist: Therapist, *, now: datetime) -> list[Booking]:
    """Upcoming bookings that do not lie within the therapist's weekly hours."""
    upcoming = db.session.scalars(
        select(Booking).where(Booking.therapist_id == therapist.id, Booking.end_utc > now,
                              occupying_at(now)).order_by(Booking.start_utc))
    return [b for b in upcoming if not _within(therapist, b)]


def during_time_off(therapist_id: int, *, now: datetime) -> list[Booking]:
    """Upcoming bookings that overlap the therapist's time off (added after they were
    booked): they stay, and the hours page names them for the therapist to decide."""
    overlapping = select(TimeOff.id).where(
        TimeOff.therapist_id == therapist_id, TimeOff.start_utc < Booking.end_utc,
        Booking.start_utc < TimeOff.end_utc).exists()
    return list(db.session.scalars(
        select(Booking).where(Booking.therapist_id == therapist_id, Booking.end_utc > now,
                              occupying_at(now), overlapping).order_by(Booking.start_utc)))


def _within(therapist: Therapist, booking: Booking) -> bool:
    start = booking.start_utc.astimezone(therapist.zone)
    end = booking.end_utc.astimezone(therapist.zone)
    return start.date() == end.date() and any(
        h.weekday == start.weekday() and h.start_time <= start.time() and end.time() <= h.end_time
        for h in therapist.working_hours)


def add_time_off(therapist_id: int, *, first_day: date, last_day: date,
                 from_time: time | None, to_time: time | None, note: str,
                 now: datetime) -> TimeOff:
    """Time off from `first_day` (at `from_time`, else the start of the day) to
    `last_day` (until `to_time`, else its end), in the therapist's zone. Time off that
    is over by `now` is refused: it would change nothing and be listed nowhere (a
    mistyped year, typically)."""
    with unit_of_work():
        zone = member(therapist_id).zone
        start = datetime.combine(first_day, from_time or time(0), tzinfo=zone)
        end = (datetime.combine(last_day, to_time, tzinfo=zone) if to_time else
               datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone))
        if end <= start:
            raise InvalidInput("last_day", "reversed")
        if end <= now:
            raise InvalidInput("last_day", "over")
        time_off = TimeOff(therapist_id=therapist_id, start_utc=start, end_utc=end,
                           note=note[:200])
        db.session.add(time_off)
    return time_off


def remove_time_off(therapist_id: int, time_off_id: int) -> None:
    with unit_of_work():
        time_off = db.session.get(TimeOff, time_off_id)
        if time_off is None or time_off.therapist_id != therapist_id:
            raise NotFound("no such time off")
        db.session.delete(time_off)


def upcoming_time_off(therapist_id: int, *, now: datetime) -> list[TimeOff]:
    return list(db.session.scalars(
        select(TimeOff).where(TimeOff.therapist_id == therapist_id, TimeOff.end_utc > now)
        .order_by(TimeOff.start_utc)))


class RuleValues(TypedDict):
    """A therapist's booking rules as save_rules takes them: as BookingRules stores them."""

    buffer_before_minutes: int
    buffer_after_minutes: int
    minimum_notice_minutes: int
    horizon_days: int
    slot_step_minutes: int
    daily_cap: int | None
    meeting_url: str


RULE_FIELDS = tuple(RuleValues.__annotations__)


def save_rules(therapist_id: int, *, languages: list[str], **values: Unpack[RuleValues]) -> None:
    """Save the therapist's booking rules (the names in RULE_FIELDS) and languages.
    Existing bookings stay as they are."""
    with unit_of_work():
        therapist = member(therapist_id)
        rules = therapist.rules
        if rules is None:  # nothing in the schema forces the row; saving writes it
            rules = therapist.rules = BookingRules()
        rules.buffer_before_minutes = values["buffer_before_minutes"]
        rules.buffer_after_minutes = values["buffer_after_minutes"]
        rules.minimum_notice_minutes = values["minimum_notice_minutes"]
        rules.horizon_days = values["horizon_days"]
        rules.slot_step_minutes = values["slot_step_minutes"]
        rules.daily_cap = values["daily_cap"]
        try:
            rules.meeting_url = check_template(values["meeting_url"])
        except TemplateProblem as problem:
            raise InvalidInput("meeting_url", problem.code) from None
        therapist.languages = validation.languages(languages)
