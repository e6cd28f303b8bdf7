"""Times land at the booked instant in every client: TZID wall times with a
VTIMEZONE from tzdata in the same file, never floating (ICALENDAR.md B)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.calendar import feed
from tests.calendar.helpers import (
    KINDS,
    SINCE,
    build,
    instant_by_vtimezone_in_file,
    lines_of,
    make_event,
    only_vevent,
    parse_both,
)

INSTANTS = {
    # Berlin falls back at 03:00 CEST on 2026-10-25: 02:00–03:00 happens twice.
    "berlin-fall-back-morning": ("Europe/Berlin", datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
    "berlin-fall-back-first-0230": ("Europe/Berlin", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    "berlin-fall-back-second-0230": ("Europe/Berlin", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    # Berlin springs forward at 02:00 CET on 2026-03-29: 02:00–03:00 never happens.
    "berlin-spring-forward-morning": ("Europe/Berlin", datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
    "berlin-spring-forward-0159": ("Europe/Berlin", datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),
    "berlin-spring-forward-0300": ("Europe/Berlin", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    "berlin-new-year": ("Europe/Berlin", datetime(2026, 12, 31, 23, 30, tzinfo=UTC)),
    # A therapist abroad: New York falls back on 2026-11-01 and springs on 2026-03-08.
    "new-york-fall-back-second-0130": ("America/New_York",
                                       datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
    "new-york-spring-forward": ("America/New_York", datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
    "new-york-summer": ("America/New_York", datetime(2026, 7, 1, 14, 0, tzinfo=UTC)),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("zone, start", INSTANTS.values(), ids=INSTANTS.keys())
def test_start_and_end_land_at_the_booked_instant_by_the_files_own_vtimezone(kind, zone, start):
    end = start + timedelta(minutes=50)
    raw = build(kind, make_event(zone=zone, start=start, end=end))
    ical, vcal = parse_both(raw)
    vevent = vcal.vevent
    assert instant_by_vtimezone_in_file(vcal, vevent.dtstart) == start
    assert instant_by_vtimezone_in_file(vcal, vevent.dtend) == end
    assert ical.events[0].start == start and ical.events[0].end == end


@pytest.mark.parametrize("kind", KINDS)
def test_times_carry_the_therapists_tzid_and_its_vtimezone_comes_before_the_event(kind):
    raw = build(kind, make_event(zone="America/New_York"))
    assert lines_of(raw, "DTSTART", inside="VEVENT")[0].startswith("DTSTART;TZID=America/New_York:")
    assert lines_of(raw, "DTEND")[0].startswith("DTEND;TZID=America/New_York:")
    text = raw.decode()
    assert text.index("TZID:America/New_York") < text.index("BEGIN:VEVENT")
    ical, _ = parse_both(raw)
    assert ical.get_missing_tzids() == set()


@pytest.mark.parametrize("kind", KINDS)
def test_times_are_never_floating(kind):
    raw = build(kind, make_event())
    for line in lines_of(raw, "DTSTART", inside="VEVENT") + lines_of(raw, "DTEND"):
        assert ";TZID=" in line or line.endswith("Z"), line
    ical_event, vobject_event = only_vevent(raw)
    assert ical_event.start.tzinfo is not None and vobject_event.dtstart.value.tzinfo is not None


def test_vtimezone_is_complete_with_standard_and_daylight_observances():
    ical, vcal = parse_both(build("request", make_event(zone="Europe/Berlin")))
    [timezone] = ical.timezones
    observances = {component.name for component in timezone.subcomponents}
    assert observances == {"STANDARD", "DAYLIGHT"}
    for observance in timezone.subcomponents:
        assert {"DTSTART", "TZOFFSETFROM", "TZOFFSETTO"} <= set(observance)
    assert vcal.vtimezone.tzid.value == "Europe/Berlin"


def test_ambiguous_fall_back_time_is_written_in_utc_for_start_and_end_alike():
    start = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    raw = build("request", make_event(start=start, end=start + timedelta(minutes=50)))
    assert lines_of(raw, "DTSTART", inside="VEVENT") == ["DTSTART:20261025T013000Z"]
    assert lines_of(raw, "DTEND") == ["DTEND:20261025T022000Z"]


def test_ambiguous_fall_back_time_given_as_berlin_wall_time_is_written_in_utc():
    second_0230 = datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Berlin"))
    raw = build("request", make_event(start=second_0230, end=second_0230 + timedelta(hours=1)))
    assert lines_of(raw, "DTSTART", inside="VEVENT") == ["DTSTART:20261025T013000Z"]


@pytest.mark.parametrize("kind", KINDS)
def test_utc_zone_writes_utc_times_and_no_vtimezone_for_them(kind):
    berlin_start = datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    raw = build(kind, make_event(zone="UTC", start=berlin_start,
                                 end=berlin_start + timedelta(minutes=50)))
    assert lines_of(raw, "DTSTART", inside="VEVENT") == ["DTSTART:20260615T080000Z"]
    assert lines_of(raw, "DTEND") == ["DTEND:20260615T085000Z"]
    # Only a feed has a zone of its own (X-WR-TIMEZONE), and always its VTIMEZONE.
    ical, _ = parse_both(raw)
    assert [tz["TZID"] for tz in ical.timezones] == (["Europe/Berlin"] if kind == "feed" else [])


def test_feed_has_one_vtimezone_per_zone_used_in_a_stable_order():
    events = [
        make_event(uid="a@x.example", zone="Europe/Berlin"),
        make_event(uid="b@x.example", zone="America/New_York"),
        make_event(uid="c@x.example", zone="Europe/Berlin"),
    ]
    raw = feed(events, name="Team", zone="Europe/Berlin", since=SINCE)
    ical, _ = parse_both(raw)
    assert [timezone["TZID"] for timezone in ical.timezones] == [
        "America/New_York", "Europe/Berlin",
    ]
    assert ical.get_missing_tzids() == set()
