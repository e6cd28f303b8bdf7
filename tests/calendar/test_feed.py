"""The subscription feed (ICALENDAR.md E): calendar properties, one event
per UID, cancelled bookings kept as cancelled, bytes that change only with
content, and no e-mail addresses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.calendar import feed, ics
from tests.calendar.helpers import (
    FEED_NAME,
    ORGANIZER,
    SINCE,
    VISITOR,
    content_lines,
    lines_of,
    make_event,
    parse_both,
    physical_line_problems,
)

MONDAY = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)


def bookings() -> list:
    """Three bookings of one week, one of them moved twice, one cancelled."""
    return [
        make_event(uid="a@termine.praxis.example", start=MONDAY,
                   last_modified=datetime(2026, 6, 1, 10, 0, tzinfo=UTC)),
        make_event(uid="b@termine.praxis.example", start=MONDAY + timedelta(days=1),
                   sequence=2, last_modified=datetime(2026, 6, 3, 12, 30, tzinfo=UTC)),
        make_event(uid="c@termine.praxis.example", start=MONDAY + timedelta(days=2),
                   sequence=1, status="CANCELLED",
                   last_modified=datetime(2026, 6, 4, 9, 5, tzinfo=UTC)),
    ]


def test_feed_has_the_calendar_properties_subscribers_need_and_no_method():
    raw = feed(bookings(), name=FEED_NAME, zone="Europe/Berlin", since=SINCE)
    ical, vcal = parse_both(raw)
    assert lines_of(raw, "X-WR-CALNAME") == [f"X-WR-CALNAME:{FEED_NAME}"]
    assert lines_of(raw, "NAME") == [f"NAME:{FEED_NAME}"]
    assert lines_of(raw, "X-WR-TIMEZONE") == ["X-WR-TIMEZONE:Europe/Berlin"]
    assert lines_of(raw, "REFRESH-INTERVAL") == ["REFRESH-INTERVAL;VALUE=DURATION:PT1H"]
    assert lines_of(raw, "X-PUBLISHED-TTL") == ["X-PUBLISHED-TTL:PT1H"]
    assert not lines_of(raw, "METHOD") and "METHOD" not in ical
    assert vcal.contents["x-wr-calname"][0].value == ical["X-WR-CALNAME"] == FEED_NAME
    assert ical["REFRESH-INTERVAL"].dt == timedelta(hours=1)


def test_feed_has_one_event_per_uid_and_keeps_the_latest_revision():
    first, moved, cancelled = bookings()
    moved_from = MONDAY + timedelta(days=5)
    earlier_revision = replace(
        moved, sequence=1, start=moved_from, end=moved_from + timedelta(minutes=50),
        last_modified=datetime(2026, 6, 2, 8, 0, tzinfo=UTC),
    )
    raw = feed([first, moved, earlier_revision, cancelled, first], name="P",
               zone="Europe/Berlin", since=SINCE)
    ical, vcal = parse_both(raw)
    uids = [str(event["UID"]) for event in ical.events]
    assert sorted(uids) == sorted(set(uids)) == sorted(e.uid for e in (first, moved, cancelled))
    assert len(vcal.contents["vevent"]) == 3
    [kept] = [event for event in ical.events if event["UID"] == moved.uid]
    assert (kept["SEQUENCE"], kept.start) == (2, moved.start)


def test_feed_dtstamp_is_each_events_last_modified():
    events = bookings()
    ical, vcal = parse_both(feed(events, name="P", zone="Europe/Berlin", since=SINCE))
    by_uid = {event.uid: event.last_modified for event in events}
    assert {str(e["UID"]): e["DTSTAMP"].dt for e in ical.events} == by_uid
    assert {e.uid.value: e.dtstamp.value for e in vcal.contents["vevent"]} == by_uid


def test_feed_bytes_depend_only_on_content_not_on_order_or_time_of_building():
    events = bookings()
    built = feed(events, name=FEED_NAME, zone="Europe/Berlin", since=SINCE)
    assert feed(list(reversed(events)), name=FEED_NAME, zone="Europe/Berlin", since=SINCE) == built
    changed = [*events[:2], replace(events[2], summary="Erstgespräch (abgesagt)")]
    assert feed(changed, name=FEED_NAME, zone="Europe/Berlin", since=SINCE) != built


def test_feed_keeps_a_cancelled_booking_with_its_uid_sequence_and_cancelled_status():
    cancelled = bookings()[2]
    ical, vcal = parse_both(feed([cancelled], name="P", zone="Europe/Berlin", since=SINCE))
    [event] = ical.events
    assert (event["UID"], event["SEQUENCE"], event["STATUS"]) == (cancelled.uid, 1, "CANCELLED")
    assert vcal.vevent.status.value == "CANCELLED"
    assert not event.walk("VALARM")


def test_feed_contains_no_attendee_organizer_or_email_address():
    raw = feed(bookings(), name=FEED_NAME, zone="Europe/Berlin", since=SINCE)
    assert not lines_of(raw, "ATTENDEE") and not lines_of(raw, "ORGANIZER")
    for person in (ORGANIZER, VISITOR):
        assert person.email.encode() not in raw
    assert VISITOR.name.encode() not in raw
    assert all("mailto:" not in line for line in content_lines(raw))


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "UTC"])
def test_a_feed_without_events_is_still_a_calendar_with_its_zone(zone):
    # RFC 5545 wants at least one component; icalendar and ical.js reject none.
    raw = feed([], name=FEED_NAME, zone=zone, since=SINCE)
    assert physical_line_problems(raw) == []
    ical, vcal = parse_both(raw)
    assert ical.events == [] and "vevent" not in vcal.contents
    assert [timezone["TZID"] for timezone in ical.timezones] == [zone]
    assert [timezone.tzid.value for timezone in vcal.contents["vtimezone"]] == [zone]
    assert ical.subcomponents, "a VCALENDAR needs a component"


FEED_EVENTS = [
    make_event(),
    make_event(uid="cancelled@x.example", status="CANCELLED", sequence=3),
    make_event(uid="plain@x.example", alarm_before=None, created=None, description="",
               location="", url=""),
    make_event(uid="utc@x.example", zone="UTC"),
    make_event(uid="etc-utc@x.example", zone="Etc/UTC"),
    make_event(uid="ny@x.example", zone="America/New_York"),
    # The second 02:30 of Berlin's fall-back night is written in UTC.
    make_event(uid="fold@x.example", start=datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    make_event(uid="long@x.example", summary="Erstgespräch · " + "Ääß€😀,;\\N" * 12,
               description="Zeile 1\nZeile 2, mit; Zeichen\\ und \r\n" + "ü" * 90,
               location="Raum " + "\\" * 80),
]


@pytest.mark.parametrize("event", FEED_EVENTS, ids=lambda event: event.uid)
def test_a_feed_event_is_written_as_icalendar_writes_it(event):
    # The feed writes its events directly for speed; icalendar stays the reference.
    start, end = ics._wall_times(event)
    reference = ics._vevent(event, stamp=event.last_modified, status=event.status).to_ical()
    assert ics._feed_vevent(event, start, end).encode() == reference


@given(summary=st.text(max_size=200), description=st.text(max_size=300))
@settings(max_examples=60, deadline=None)
def test_any_text_is_written_as_icalendar_writes_it(summary, description):
    event = make_event(summary=summary, description=description)
    start, end = ics._wall_times(event)
    reference = ics._vevent(event, stamp=event.last_modified, status=event.status).to_ical()
    assert ics._feed_vevent(event, start, end).encode() == reference


def test_feed_refuses_an_event_without_last_modified():
    with pytest.raises(ValueError, match="last_modified"):
        feed([make_event(last_modified=None)], name="P", zone="Europe/Berlin", since=SINCE)


def test_feed_refuses_an_unknown_zone():
    with pytest.raises(ValueError):
        feed(bookings(), name="P", zone="Europe/Atlantis", since=SINCE)
