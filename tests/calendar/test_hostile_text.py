"""Text from visitors (names, and whatever reaches summary, description or
location) stays text: it cannot add properties, parameters or components,
and the object still parses in both parsers (ICALENDAR.md A.7–A.9)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.calendar import Person, download, feed, invite
from tests.calendar.helpers import (
    KINDS,
    ORGANIZER,
    SINCE,
    STAMP,
    build,
    content_lines,
    make_event,
    only_vevent,
    parse_both,
    physical_line_problems,
)

INJECTION = (
    'Termin\r\nX-INJECTED:1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:evil@attacker.example\n'
    'ATTENDEE:mailto:spy@attacker.example\rSTATUS:CANCELLED\u2028BEGIN:VALARM\u2029'
    '; , \\ \\n \\; : "zitiert" \x00\x1b\x0b\t Ende'
)
INJECTION_AS_ONE_LINE = (
    "Termin X-INJECTED:1 END:VEVENT BEGIN:VEVENT UID:evil@attacker.example "
    "ATTENDEE:mailto:spy@attacker.example STATUS:CANCELLED BEGIN:VALARM "
    '; , \\ \\n \\; : "zitiert" Ende'
)
INJECTION_AS_DESCRIPTION = (
    "Termin\nX-INJECTED:1\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil@attacker.example\n"
    "ATTENDEE:mailto:spy@attacker.example\nSTATUS:CANCELLED\nBEGIN:VALARM\n"
    '; , \\ \\n \\; : "zitiert"    \t Ende'
)
HOSTILE_NAME = 'Alex "AC" O\'Brien, Jr.; MD\r\nX-INJECTED:1\n";RSVP=FALSE:mailto:spy@x ^'

PROPERTIES = {
    "request": {"summary", "dtstart", "dtend", "dtstamp", "uid", "sequence", "description",
                "location", "url", "status", "created", "last-modified", "organizer",
                "attendee", "valarm"},
    "download": {"summary", "dtstart", "dtend", "dtstamp", "uid", "sequence", "description",
                 "location", "url", "status", "created", "last-modified", "valarm"},
}
PROPERTIES["cancel"] = PROPERTIES["request"] - {"valarm"}
PROPERTIES["feed"] = PROPERTIES["download"]


def hostile_event():
    return make_event(
        summary=INJECTION, description=INJECTION, location=INJECTION,
        organizer=Person(ORGANIZER.email, HOSTILE_NAME),
        attendees=(Person("maria@example.org", HOSTILE_NAME),),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_text_adds_no_property_component_or_attendee(kind):
    event = hostile_event()
    raw = build(kind, event)
    assert physical_line_problems(raw) == []
    ical_event, vobject_event = only_vevent(raw)
    assert set(vobject_event.contents) == PROPERTIES[kind]
    assert {name.lower() for name in ical_event} == PROPERTIES[kind] - {"valarm"}
    assert vobject_event.uid.value == event.uid
    assert len(vobject_event.contents.get("attendee", [])) == (kind in ("request", "cancel"))
    assert skeleton(raw) == skeleton(build(kind, make_event()))
    for line in content_lines(raw):
        assert not line.startswith(("X-INJECTED", "UID:evil", "ATTENDEE:mailto:spy")), line


def skeleton(raw: bytes) -> list[str]:
    """The structure of an object: each content line's name, and the
    component of BEGIN/END lines."""
    return [
        line if line.startswith(("BEGIN:", "END:")) else re.split("[;:]", line, maxsplit=1)[0]
        for line in content_lines(raw)
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_text_reads_back_as_the_same_text_in_both_parsers(kind):
    raw = build(kind, hostile_event())
    ical_event, vobject_event = only_vevent(raw)
    for name in ("summary", "location"):
        value = vobject_event.contents[name][0].value
        assert value == str(ical_event[name.upper()]) == INJECTION_AS_ONE_LINE
    assert vobject_event.description.value == INJECTION_AS_DESCRIPTION
    assert str(ical_event["DESCRIPTION"]) == INJECTION_AS_DESCRIPTION
    assert b"\\:" not in raw, "a colon is not escaped in TEXT (RFC 5545 §3.3.11)"


def test_name_with_quotes_and_separators_becomes_a_valid_quoted_cn():
    raw = build("request", make_event(
        attendees=(Person("alex@example.org", 'Alex "AC" O\'Brien, Jr.; MD'),),
    ))
    ical_event, vobject_event = only_vevent(raw)
    assert vobject_event.attendee.params["CN"] == ["Alex AC O'Brien, Jr.; MD"]
    assert ical_event.attendees[0].params["CN"] == "Alex AC O'Brien, Jr.; MD"
    assert vobject_event.attendee.value == "mailto:alex@example.org"


def test_hostile_name_cannot_add_parameters_to_the_attendee():
    raw = build("request", hostile_event())
    _, vobject_event = only_vevent(raw)
    assert vobject_event.attendee.value == "mailto:maria@example.org"
    assert vobject_event.attendee.params["RSVP"] == ["TRUE"]
    assert vobject_event.attendee.params["CN"] == [
        "Alex AC O'Brien, Jr.; MD X-INJECTED:1 ;RSVP=FALSE:mailto:spy@x"
    ]


def test_hostile_calendar_name_and_prodid_stay_single_properties():
    raw = feed([make_event()], name=INJECTION, zone="Europe/Berlin", since=SINCE,
               prodid=INJECTION)
    assert physical_line_problems(raw) == []
    ical, vcal = parse_both(raw)
    assert len(ical.events) == 1 and len(vcal.contents["vevent"]) == 1
    assert len(vcal.contents["prodid"]) == len(vcal.contents["x-wr-calname"]) == 1
    assert "\n" not in vcal.contents["x-wr-calname"][0].value


def _one_line(text: str) -> str:
    """What a one-line value should read as: line breaks and control
    characters as spaces, runs of spaces collapsed."""
    spaced = "".join(
        " " if char in "\u2028\u2029" or unicodedata.category(char) == "Cc" else char
        for char in text
    )
    return re.sub(" +", " ", spaced).strip(" ")


def _multi_line(text: str) -> str:
    """What a description should read as: every line break a newline,
    other control characters but tab as spaces."""
    broken = re.sub("\r\n|[\r\u2028\u2029]", "\n", text)
    return "".join(
        " " if char not in "\n\t" and unicodedata.category(char) == "Cc" else char
        for char in broken
    ).strip()


# Whatever a visitor types: all of Unicode but lone surrogates, biased to
# the characters with a meaning in iCalendar.
ICALENDAR_SYNTAX = '\r\n\t\x0b\x85\u2028\u2029;,:\\"^ '
visitor_text = st.text(
    st.one_of(st.characters(codec="utf-8"), st.sampled_from(ICALENDAR_SYNTAX)), max_size=300
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(summary=visitor_text, description=visitor_text, name=visitor_text)
def test_any_visitor_text_keeps_every_output_valid_and_reads_back(summary, description, name):
    event = make_event(
        summary=summary, description=description, location=summary,
        attendees=(Person("maria@example.org", name),),
    )
    for kind in KINDS:
        raw = build(kind, event)
        assert physical_line_problems(raw) == []
        ical_event, vobject_event = only_vevent(raw)
        summaries = {str(ical_event["SUMMARY"]), vobject_event.summary.value}
        assert summaries == {_one_line(summary)}
        assert len(vobject_event.summary.value.splitlines()) <= 1
        if kind == "request":
            assert vobject_event.attendee.value == "mailto:maria@example.org"
            cn = _one_line(name.replace('"', "").replace("^", ""))
            assert vobject_event.attendee.params.get("CN", [""]) == [cn]
        if expected_description := _multi_line(description):
            assert vobject_event.description.value == expected_description
            assert str(ical_event["DESCRIPTION"]) == expected_description
        else:
            assert "description" not in vobject_event.contents


def test_cancel_and_download_of_hostile_text_parse_too():
    event = replace(hostile_event(), sequence=1)
    for raw in (invite(event, method="CANCEL", stamp=STAMP), download(event, stamp=STAMP)):
        assert physical_line_problems(raw) == []
        only_vevent(raw)
