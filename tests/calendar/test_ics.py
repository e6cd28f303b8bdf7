"""Rules every .ics object follows, and the shapes of invitations and
downloads (ICALENDAR.md sections A, C and D)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.calendar import Person, download, invite
from tests.calendar.helpers import (
    KINDS,
    ORGANIZER,
    STAMP,
    VISITOR,
    build,
    instant_by_vtimezone_in_file,
    lines_of,
    make_event,
    only_vevent,
    parse_both,
    physical_line_problems,
)

ZONE_TOKYO = ZoneInfo("Asia/Tokyo")
SECOND_GUEST = Person("partner@example.org", "Jonas Muster")
LONG_GERMAN = (
    "Schön, dass Sie sich für ein Erstgespräch entschieden haben! 😊 Bitte planen Sie "
    "etwa fünfzig Minuten ein; wählen Sie einen ruhigen Ort, an dem Sie ungestört "
    "sprechen können. Größere Übergänge, Ängste, Müdigkeit – all das können wir "
    "besprechen. 🌿🧠💬 Grüße aus der Praxis, Straße der Übereinkunft 17, Köln. "
) * 3


# --- A. every object -------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_output_parses_with_icalendar_and_vobject_into_one_event(kind):
    event = make_event()
    ical_event, vobject_event = only_vevent(build(kind, event))
    assert str(ical_event["UID"]) == vobject_event.uid.value == event.uid


@pytest.mark.parametrize("kind", KINDS)
def test_every_output_has_version_and_prodid_once_and_gregorian_calscale(kind):
    raw = build(kind, make_event())
    ical, vcal = parse_both(raw)
    assert lines_of(raw, "VERSION") == ["VERSION:2.0"]
    assert lines_of(raw, "PRODID") == ["PRODID:-//Praxis//Erstgespraech booking//DE"]
    assert lines_of(raw, "CALSCALE") == ["CALSCALE:GREGORIAN"]
    assert (vcal.version.value, vcal.calscale.value) == ("2.0", "GREGORIAN")
    assert str(ical["PRODID"]) == vcal.prodid.value


@pytest.mark.parametrize("kind", KINDS)
def test_every_event_has_exactly_one_uid_and_one_utc_dtstamp(kind):
    raw = build(kind, make_event())
    ical_event, vobject_event = only_vevent(raw)
    assert len(lines_of(raw, "UID")) == 1
    [dtstamp] = lines_of(raw, "DTSTAMP")
    assert dtstamp.startswith("DTSTAMP:") and dtstamp.endswith("Z")
    for parsed in (ical_event["DTSTAMP"].dt, vobject_event.dtstamp.value):
        assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("kind", KINDS)
def test_every_event_ends_with_dtend_never_duration(kind):
    event = make_event()
    ical, vcal = parse_both(build(kind, event))
    assert "DURATION" not in ical.events[0]
    assert "duration" not in vcal.vevent.contents
    assert ical.events[0].end == instant_by_vtimezone_in_file(vcal, vcal.vevent.dtend) == event.end


@pytest.mark.parametrize("kind", KINDS)
def test_created_and_last_modified_are_written_in_utc(kind):
    event = make_event(
        created=STAMP.astimezone(ZONE_TOKYO), last_modified=STAMP.astimezone(ZONE_TOKYO)
    )
    raw = build(kind, event)
    assert lines_of(raw, "CREATED") == ["CREATED:20260601T080000Z"]
    assert lines_of(raw, "LAST-MODIFIED") == ["LAST-MODIFIED:20260601T080000Z"]
    ical_event, vobject_event = only_vevent(raw)
    assert vobject_event.created.value == ical_event.created == STAMP
    assert vobject_event.last_modified.value == ical_event.last_modified == STAMP


@pytest.mark.parametrize("kind", KINDS)
def test_physical_lines_are_crlf_folded_within_75_octets_on_character_boundaries(kind):
    event = make_event(
        summary="Erstgespräch über Ängste und Übergänge 🧠 mit Dr. Anna Berger-Müller, Köln",
        description=LONG_GERMAN,
        location="Praxis Dr. Berger-Müller, Straße der Übereinkunft 17, 50667 Köln 🏠 (2. OG)",
        attendees=(Person("maria@example.org", "Maria-Sophie Müller-Lüdenscheidt 😀 Übermaß"),),
    )
    raw = build(kind, event)
    assert physical_line_problems(raw) == []
    assert b"\r\n " in raw, "the long text was meant to be folded"
    ical_event, vobject_event = only_vevent(raw)
    assert ical_event["DESCRIPTION"] == vobject_event.description.value == LONG_GERMAN.strip()


# --- C. invitations --------------------------------------------------------


def test_request_has_method_one_mailto_organizer_and_rsvp_attendees():
    raw = invite(make_event(attendees=(VISITOR, SECOND_GUEST)), method="REQUEST", stamp=STAMP)
    ical, vcal = parse_both(raw)
    assert str(ical["METHOD"]) == vcal.method.value == "REQUEST"
    ical_event, vobject_event = only_vevent(raw)
    assert lines_of(raw, "ORGANIZER") == [
        f'ORGANIZER;CN="{ORGANIZER.name}":mailto:{ORGANIZER.email}'
    ]
    assert vobject_event.organizer.value == f"mailto:{ORGANIZER.email}"
    invited = {
        line.value: {key: values for key, values in line.params.items()}
        for line in vobject_event.contents["attendee"]
    }
    assert invited == {
        f"mailto:{guest.email}": {
            "CN": [guest.name], "ROLE": ["REQ-PARTICIPANT"],
            "PARTSTAT": ["NEEDS-ACTION"], "RSVP": ["TRUE"],
        }
        for guest in (VISITOR, SECOND_GUEST)
    }
    assert [a.params["CN"] for a in ical_event.attendees] == [VISITOR.name, SECOND_GUEST.name]


def test_request_always_sends_sequence_even_when_it_is_zero():
    raw = invite(make_event(sequence=0), method="REQUEST", stamp=STAMP)
    ical_event, vobject_event = only_vevent(raw)
    assert lines_of(raw, "SEQUENCE") == ["SEQUENCE:0"]
    assert ical_event["SEQUENCE"] == int(vobject_event.sequence.value) == 0


@pytest.mark.parametrize("status", ["CONFIRMED", "TENTATIVE"])
def test_request_carries_the_booking_status(status):
    _, vobject_event = only_vevent(invite(make_event(status=status), method="REQUEST", stamp=STAMP))
    assert vobject_event.status.value == status


def test_request_has_a_display_alarm_the_given_time_before_start():
    raw = invite(make_event(alarm_before=timedelta(minutes=45)), method="REQUEST", stamp=STAMP)
    ical_event, vobject_event = only_vevent(raw)
    [alarm] = ical_event.walk("VALARM")
    assert alarm["ACTION"] == vobject_event.valarm.action.value == "DISPLAY"
    assert vobject_event.valarm.trigger.value == timedelta(minutes=-45)
    assert vobject_event.valarm.description.value == ical_event["SUMMARY"]


def test_request_without_alarm_before_has_no_alarm():
    raw = invite(make_event(alarm_before=None), method="REQUEST", stamp=STAMP)
    assert b"VALARM" not in raw


def test_request_and_cancel_carry_no_calendar_name_nor_download_does():
    event = make_event()
    for kind in ("request", "cancel", "download"):
        raw = build(kind, event)
        assert not lines_of(raw, "X-WR-CALNAME") and not lines_of(raw, "NAME"), kind


def test_cancel_keeps_uid_organizer_and_all_attendees_and_is_cancelled_without_alarm():
    event = make_event(sequence=1, attendees=(VISITOR, SECOND_GUEST), status="CONFIRMED",
                       alarm_before=timedelta(minutes=30))
    raw = invite(event, method="CANCEL", stamp=STAMP)
    ical, vcal = parse_both(raw)
    assert str(ical["METHOD"]) == vcal.method.value == "CANCEL"
    ical_event, vobject_event = only_vevent(raw)
    assert vobject_event.uid.value == event.uid
    assert ical_event["STATUS"] == vobject_event.status.value == "CANCELLED"
    assert vobject_event.organizer.value == f"mailto:{ORGANIZER.email}"
    assert sorted(line.value for line in vobject_event.contents["attendee"]) == [
        f"mailto:{VISITOR.email}", f"mailto:{SECOND_GUEST.email}",
    ]
    assert vobject_event.dtstamp.value == STAMP
    assert ical_event["SEQUENCE"] == 1
    assert not ical_event.walk("VALARM") and b"VALARM" not in raw


def test_request_then_cancel_share_the_uid_and_cancel_has_the_higher_sequence():
    booked = make_event(sequence=2)
    cancelled = replace(booked, sequence=3, status="CANCELLED")
    request, _ = only_vevent(invite(booked, method="REQUEST", stamp=STAMP))
    cancel, _ = only_vevent(invite(cancelled, method="CANCEL", stamp=STAMP + timedelta(days=1)))
    assert request["UID"] == cancel["UID"] == booked.uid
    assert (request["SEQUENCE"], cancel["SEQUENCE"]) == (2, 3)


@pytest.mark.parametrize(
    ("changes", "method"),
    [
        ({}, "PUBLISH"),
        ({"organizer": None}, "REQUEST"),
        ({"attendees": ()}, "REQUEST"),
        ({"attendees": ()}, "CANCEL"),
        ({"status": "CANCELLED"}, "REQUEST"),
    ],
    ids=["unknown-method", "no-organizer", "no-attendee", "cancel-no-attendee",
         "request-for-cancelled"],
)
def test_invite_refuses_what_rfc_5546_does_not_allow(changes, method):
    with pytest.raises(ValueError):
        invite(make_event(**changes), method=method, stamp=STAMP)


def test_invite_refuses_a_naive_stamp():
    with pytest.raises(ValueError):
        invite(make_event(), method="REQUEST", stamp=STAMP.replace(tzinfo=None))


# --- D. download -----------------------------------------------------------


def test_download_has_no_method_organizer_or_attendee_and_matches_the_invite():
    event = make_event(sequence=4)
    raw = download(event, stamp=event.last_modified)
    ical, vcal = parse_both(raw)
    assert "METHOD" not in ical and "method" not in vcal.contents
    for name in ("METHOD", "ORGANIZER", "ATTENDEE"):
        assert not lines_of(raw, name)
    assert event.organizer.email.encode() not in raw
    assert VISITOR.email.encode() not in raw
    downloaded, _ = only_vevent(raw)
    invited, _ = only_vevent(invite(event, method="REQUEST", stamp=STAMP))
    assert (downloaded["UID"], downloaded["SEQUENCE"]) == (invited["UID"], invited["SEQUENCE"])
    assert downloaded["DTSTAMP"].dt == event.last_modified
    assert lines_of(raw, "DTSTAMP") == ["DTSTAMP:20260528T174500Z"]


def test_download_of_a_cancelled_booking_is_cancelled_and_silent():
    raw = download(make_event(status="CANCELLED", sequence=1), stamp=STAMP)
    _, vobject_event = only_vevent(raw)
    assert vobject_event.status.value == "CANCELLED"
    assert b"VALARM" not in raw
