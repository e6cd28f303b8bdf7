"""Reading a calendar as busy time: recurring events keep their local time across
daylight-saving changes, exceptions and moves are honoured, free and cancelled
events are not busy, all-day events block whole days of the therapist's zone."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import booking.busy.expand
from booking.availability import Interval
from booking.busy.expand import busy_intervals
from booking.errors import CalendarUnavailable
from tests.busy.server import PRACTICE_ICS
from tests.support import BERLIN, berlin

NEW_YORK = ZoneInfo("America/New_York")
JUNE = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 1, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def calendar(*events: str) -> bytes:
    """A calendar of VEVENT bodies (their lines without BEGIN/END)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//busy//EN"]
    for n, event in enumerate(events):
        lines += ["BEGIN:VEVENT", f"UID:event-{n}@test", "DTSTAMP:20260601T070000Z",
                  *event.strip().splitlines(), "END:VEVENT"]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def busy(ics: bytes, zone: ZoneInfo = BERLIN, start=JUNE, end=DECEMBER) -> list[Interval]:
    return busy_intervals(ics, start=start, end=end, zone=zone)


def berlin_hours(day: str, start: str, end: str) -> Interval:
    return Interval(berlin(day, start).astimezone(UTC), berlin(day, end).astimezone(UTC))


def test_a_providers_calendar_reads_as_exactly_its_busy_time():
    assert busy(PRACTICE_ICS) == [
        berlin_hours("2026-10-13", "10:00", "11:00"),  # summer time: 08:00 UTC
        Interval(utc("2026-10-15T12:00"), utc("2026-10-15T13:00")),  # written in UTC
        # 10-20 is an EXDATE; after the fall-back on 10-25 the same local time is 09:00 UTC.
        berlin_hours("2026-10-27", "10:00", "11:00"),
        # 11-03 moved to 11-04 (RECURRENCE-ID); the all-day 11-05 follows.
        berlin_hours("2026-11-04", "14:30", "15:30"),
        Interval(berlin("2026-11-05", "00:00"), berlin("2026-11-06", "00:00")),
        # 11-06: the transparent and the cancelled event keep nothing busy.
        berlin_hours("2026-11-10", "10:00", "11:00"),
        # 11-17 is cancelled through its RECURRENCE-ID; 2027 lies past the window.
    ]


def test_a_weekly_event_keeps_its_local_time_when_the_clocks_go_back():
    ics = calendar("""
DTSTART;TZID=Europe/Berlin:20261020T100000
DTEND;TZID=Europe/Berlin:20261020T110000
RRULE:FREQ=WEEKLY;COUNT=2
""")
    assert [(i.start.hour, i.start.astimezone(BERLIN).hour) for i in busy(ics)] == [
        (8, 10), (9, 10)]


def test_an_outlook_style_time_zone_is_read_from_its_vtimezone():
    ics = calendar("""
DTSTART;TZID=Mitteleuropaeische Zeit:20261020T100000
DTEND;TZID=Mitteleuropaeische Zeit:20261020T110000
RRULE:FREQ=WEEKLY;COUNT=2
""").replace(b"BEGIN:VEVENT", b"""BEGIN:VTIMEZONE\r
TZID:Mitteleuropaeische Zeit\r
BEGIN:STANDARD\r
DTSTART:16010101T030000\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010101T020000\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT""", 1)
    assert [i.start for i in busy(ics)] == [utc("2026-10-20T08:00"), utc("2026-10-27T09:00")]


def test_an_all_day_event_blocks_the_whole_day_in_the_therapists_zone():
    ics = calendar("DTSTART;VALUE=DATE:20261105\nDTEND;VALUE=DATE:20261107")
    assert busy(ics, BERLIN) == [Interval(utc("2026-11-04T23:00"), utc("2026-11-06T23:00"))]
    assert busy(ics, NEW_YORK) == [Interval(utc("2026-11-05T05:00"), utc("2026-11-07T05:00"))]


def test_an_all_day_event_without_an_end_lasts_one_day():
    ics = calendar("DTSTART;VALUE=DATE:20261105")
    assert busy(ics) == [Interval(utc("2026-11-04T23:00"), utc("2026-11-05T23:00"))]


def test_floating_times_are_wall_times_of_the_therapist():
    ics = calendar("DTSTART:20261105T090000\nDTEND:20261105T100000")
    assert busy(ics, BERLIN) == [berlin_hours("2026-11-05", "09:00", "10:00")]
    assert busy(ics, NEW_YORK) == [Interval(utc("2026-11-05T14:00"), utc("2026-11-05T15:00"))]


@pytest.mark.parametrize("marker", ["TRANSP:TRANSPARENT", "STATUS:CANCELLED",
                                    "transp:transparent"])
def test_free_and_cancelled_events_keep_no_time_busy(marker):
    ics = calendar(f"DTSTART:20261105T090000Z\nDURATION:PT1H\n{marker}",
                   "DTSTART:20261106T090000Z\nDURATION:PT1H\nSTATUS:TENTATIVE")
    assert busy(ics) == [Interval(utc("2026-11-06T09:00"), utc("2026-11-06T10:00"))]


def test_a_cancelled_occurrence_of_a_series_is_free_and_the_rest_stay_busy():
    ics = calendar("""
DTSTART:20261103T090000Z
DTEND:20261103T100000Z
RRULE:FREQ=DAILY;COUNT=3
""", """
RECURRENCE-ID:20261104T090000Z
DTSTART:20261104T090000Z
DTEND:20261104T100000Z
STATUS:CANCELLED
""").replace(b"UID:event-1@test", b"UID:event-0@test")
    assert [i.start.day for i in busy(ics)] == [3, 5]


def test_busy_time_is_cut_to_the_window_and_overlaps_are_merged():
    ics = calendar(
        "DTSTART:20260601T070000Z\nDTEND:20260601T090000Z",  # began before "now"
        "DTSTART:20261103T090000Z\nDTEND:20261103T110000Z",
        "DTSTART:20261103T100000Z\nDTEND:20261103T120000Z",
        "DTSTART:20261103T120000Z\nDTEND:20261103T123000Z",  # touches the one before
        "DTSTART:20261130T230000Z\nDTEND:20261201T010000Z",  # runs past the window
        "DTSTART:20270105T090000Z\nDTEND:20270105T100000Z",
        "DTSTART:20261104T090000Z\nDTEND:20261104T090000Z",  # no duration: a reminder
    )
    assert busy(ics) == [
        Interval(JUNE, utc("2026-06-01T09:00")),
        Interval(utc("2026-11-03T09:00"), utc("2026-11-03T12:30")),
        Interval(utc("2026-11-30T23:00"), DECEMBER),
    ]


def test_an_empty_calendar_is_no_busy_time():
    assert busy(calendar()) == []


@pytest.mark.parametrize("content", [
    b"",
    b"<!DOCTYPE html><html><body>Anmelden - Google Konten</body></html>",
    b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Therapie Frau K.\r\nDTSTART:morgen\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n",
    b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nEND:VCARD\r\n",
    b"\xff\xfe\x00garbage",
])
def test_anything_but_a_readable_calendar_is_refused_without_quoting_it(content):
    with pytest.raises(CalendarUnavailable) as refused:
        busy(content)
    assert str(refused.value) == "the calendar is not a readable iCalendar file"


def test_a_rule_repeating_every_minute_is_refused():
    ics = calendar("DTSTART:20261103T090000Z\nDURATION:PT1M\nRRULE:FREQ=MINUTELY")
    with pytest.raises(CalendarUnavailable, match="every minute or second"):
        busy(ics)


def test_a_calendar_with_more_events_than_a_diary_holds_is_refused(monkeypatch):
    monkeypatch.setattr(booking.busy.expand, "MAX_EVENTS", 10)
    ics = calendar("DTSTART:20261103T090000Z\nDURATION:PT30M\nRRULE:FREQ=HOURLY;COUNT=11")
    with pytest.raises(CalendarUnavailable, match="more than 10 events"):
        busy(ics)
    assert len(busy(calendar("DTSTART:20261103T090000Z\nDURATION:PT30M\n"
                             "RRULE:FREQ=HOURLY;COUNT=10"))) == 10


def test_expanding_is_pure_domain_code():
    tree = ast.parse(Path(booking.busy.expand.__file__).read_text())
    allowed = {"icalendar", "recurring_ical_events", "booking"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module] if isinstance(node, ast.ImportFrom) else [
                alias.name for alias in node.names]
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in allowed, name
                assert not name.startswith(("booking.services", "booking.models", "flask",
                                            "booking.extensions")), name
        if isinstance(node, ast.Attribute):
            assert node.attr not in {"now", "utcnow", "today"}, node.lineno
