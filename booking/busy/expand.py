"""A therapist's own calendar read as busy time: iCalendar bytes in, intervals out.

Pure domain code: no Flask, no database, no clock; the caller passes the window
and the therapist's zone. Recurrence (RRULE, RDATE, EXDATE, moved or cancelled
occurrences by RECURRENCE-ID) is expanded by recurring-ical-events, which also
reads the calendar's VTIMEZONEs and X-WR-TIMEZONE.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from booking.availability import Interval
from booking.errors import CalendarUnavailable

# Beyond this many busy events in the window the calendar is not a person's diary;
# expanding on would only cost the worker memory.
MAX_EVENTS = 20_000
# The window is expanded a week at a time, so that MAX_EVENTS stops a runaway
# rule after a week's worth of occurrences instead of after the whole horizon.
_STEP = timedelta(days=7)
# A rule this frequent would put tens of thousands of occurrences into one step.
_TOO_FREQUENT = {"SECONDLY", "MINUTELY"}


def busy_intervals(ics: bytes, *, start: datetime, end: datetime,
                   zone: ZoneInfo) -> list[Interval]:
    """The time in [start, end) that the events of an iCalendar file keep busy:
    in UTC, sorted, overlapping events merged, cut to the window.

    Every event counts except those marked TRANSP:TRANSPARENT ("show as free")
    or STATUS:CANCELLED. An all-day event keeps its whole local days busy in
    `zone`, the therapist's zone, which also gives floating (zone-less) times
    their meaning. Raises CalendarUnavailable when the bytes are not a readable
    iCalendar file; its message never quotes the file, which is personal data.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the window needs aware datetimes")
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    try:
        calendar = icalendar.Calendar.from_ical(ics)
        _refuse_runaway_rules(calendar)
        query = recurring_ical_events.of(calendar)
        spans = []
        for step_start, step_end in _steps(start, end):
            for event in query.between(step_start, step_end):
                span = _busy_span(event, zone)
                if span is not None and span[0] < end and span[1] > start:
                    spans.append((max(span[0], start), min(span[1], end)))
            if len(spans) > MAX_EVENTS:
                raise CalendarUnavailable(
                    f"the calendar has more than {MAX_EVENTS} events in the booking horizon",
                    "too_many_events", limit=MAX_EVENTS)
    except (ValueError, KeyError, UnicodeError) as error:
        raise CalendarUnavailable("the calendar is not a readable iCalendar file",
                                  "format") from error
    return [Interval(s, e) for s, e in _merged(spans)]


def _refuse_runaway_rules(calendar: icalendar.Calendar) -> None:
    if calendar.name != "VCALENDAR":
        raise ValueError(f"expected a VCALENDAR, got {calendar.name}")
    for event in calendar.walk("VEVENT"):
        rules = event.get("RRULE", [])
        for rule in rules if isinstance(rules, list) else [rules]:
            if _TOO_FREQUENT.intersection(rule.get("FREQ", [])):
                raise CalendarUnavailable(
                    "the calendar has events repeating every minute or second", "format")


def _steps(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    while start < end:
        yield start, min(start + _STEP, end)
        start += _STEP


def _busy_span(event: icalendar.Event, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
    """An occurrence's [start, end) in UTC, or None when it keeps no time busy."""
    if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    begins = _instant(_date_value(event, "DTSTART"), zone)
    ends = _instant(_date_value(event, "DTEND"), zone) if "DTEND" in event else begins
    return (begins, ends) if begins < ends else None


def _date_value(event: icalendar.Event, name: str) -> date:
    """A DATE or DATE-TIME property's value; ValueError for anything else."""
    value = event[name]
    if not isinstance(value, icalendar.vDDDTypes) or not isinstance(value.dt, date):
        raise ValueError(f"{name} is not a date or a date-time")
    return value.dt


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    """An iCalendar start or end as an instant: a DATE is the local midnight
    starting that day in `zone`, a floating time is a wall time in `zone`."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted, with overlapping or touching spans joined: fewer rows, same busy time."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
