"""The subscription feed (ICALENDAR.md E): calendar properties, one event
per UID, cancelled bookings kept as cancelled, bytes that change only with
content, and no e-mail addresses."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from booking.calendar import feed
from tests.calendar.helpers import (
    FEED_NAME,
    ORGANIZER,
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
    raw = feed(bookings(), name=FEED_NAME, zone="Europe/Berlin")
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
    raw = feed([first, moved, earlier_revision, cancelled, first], name="P", zone="Europe/Berlin")
    ical, vcal = parse_both(raw)
    uids = [str(event["UID"]) for event in ical.events]
    assert sorted(uids) == sorted(set(uids)) == sorted(e.uid for e in (first, moved, cancelled))
    assert len(vcal.contents["vevent"]) == 3
    [kept] = [event for event in ical.events if event["UID"] == moved.uid]
    assert (kept["SEQUENCE"], kept.start) == (2, moved.start)


def test_feed_dtstamp_is_each_events_last_modified():
    events = bookings()
    ical, vcal = parse_both(feed(events, name="P", zone="Europe/Berlin"))
    by_uid = {event.uid: event.last_modified for event in events}
    assert {str(e["UID"]): e["DTSTAMP"].dt for e in ical.events} == by_uid
    assert {e.uid.value: e.dtstamp.value for e in vcal.contents["vevent"]} == by_uid


def test_feed_bytes_depend_only_on_content_not_on_order_or_time_of_building():
    events = bookings()
    built = feed(events, name=FEED_NAME, zone="Europe/Berlin")
    assert feed(list(reversed(events)), name=FEED_NAME, zone="Europe/Berlin") == built
    changed = [*events[:2], replace(events[2], summary="Erstgespräch (abgesagt)")]
    assert feed(changed, name=FEED_NAME, zone="Europe/Berlin") != built


def test_feed_keeps_a_cancelled_booking_with_its_uid_sequence_and_cancelled_status():
    cancelled = bookings()[2]
    ical, vcal = parse_both(feed([cancelled], name="P", zone="Europe/Berlin"))
    [event] = ical.events
    assert (event["UID"], event["SEQUENCE"], event["STATUS"]) == (cancelled.uid, 1, "CANCELLED")
    assert vcal.vevent.status.value == "CANCELLED"
    assert not event.walk("VALARM")


def test_feed_contains_no_attendee_organizer_or_email_address():
    raw = feed(bookings(), name=FEED_NAME, zone="Europe/Berlin")
    assert not lines_of(raw, "ATTENDEE") and not lines_of(raw, "ORGANIZER")
    for person in (ORGANIZER, VISITOR):
        assert person.email.encode() not in raw
    assert VISITOR.name.encode() not in raw
    assert all("mailto:" not in line for line in content_lines(raw))


def test_feed_follows_the_line_rules_and_parses_when_empty():
    raw = feed([], name=FEED_NAME, zone="Europe/Berlin")
    assert physical_line_problems(raw) == []
    ical, vcal = parse_both(raw)
    assert ical.events == [] and "vevent" not in vcal.contents


def test_feed_refuses_an_event_without_last_modified():
    with pytest.raises(ValueError, match="last_modified"):
        feed([make_event(last_modified=None)], name="P", zone="Europe/Berlin")


def test_feed_refuses_an_unknown_zone():
    with pytest.raises(ValueError):
        feed(bookings(), name="P", zone="Europe/Atlantis")
