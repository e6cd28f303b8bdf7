"""Shared by the calendar tests: a booking to vary, the four kinds of output
built from it, and the checks that read those outputs with two parsers
that share no code (icalendar, and vobject with dateutil)."""

from __future__ import annotations

import codecs
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import icalendar
import vobject

from booking.calendar import CalendarEvent, Person, download, feed, invite

STAMP = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SINCE = STAMP.date()  # the first day a feed covers
CREATED = datetime(2026, 5, 20, 9, 15, tzinfo=UTC)
REVISED = datetime(2026, 5, 28, 17, 45, tzinfo=UTC)
ORGANIZER = Person("praxis@praxis.example", "Dr. Anna Berger")
VISITOR = Person("maria.muster@example.org", "Maria Muster")
FEED_NAME = "Dr. Anna Berger – Erstgespräche"
KINDS = ("request", "cancel", "download", "feed")


def make_event(**changes) -> CalendarEvent:
    """A confirmed 50-minute Erstgespräch on a summer Monday in Berlin."""
    start = changes.pop("start", datetime(2026, 6, 15, 8, 0, tzinfo=UTC))
    defaults = {
        "uid": "3f2c9a7e-5b1d-4c8e-9f0a-2d6b7c8e1f43@termine.praxis.example",
        "sequence": 0,
        "start": start,
        "end": start + timedelta(minutes=50),
        "zone": "Europe/Berlin",
        "summary": "Erstgespräch mit Dr. Anna Berger",
        "description": "Ihr kostenfreies Erstgespräch.\nTermin verwalten: "
                       "https://termine.praxis.example/b/abc",
        "location": "https://meet.praxis.example/r/abc-def",
        "url": "https://termine.praxis.example/b/abc",
        "organizer": ORGANIZER,
        "attendees": (VISITOR,),
        "created": CREATED,
        "last_modified": REVISED,
        "alarm_before": timedelta(minutes=30),
    }
    return CalendarEvent(**{**defaults, **changes})


def build(kind: str, event: CalendarEvent) -> bytes:
    """The output of one kind, built the way the app builds it."""
    if kind == "request":
        return invite(event, method="REQUEST", stamp=STAMP)
    if kind == "cancel":
        cancelled = replace(event, sequence=event.sequence + 1, status="CANCELLED")
        return invite(cancelled, method="CANCEL", stamp=STAMP)
    if kind == "download":
        return download(event, stamp=event.last_modified)
    if kind == "feed":
        return feed([event], name=FEED_NAME, zone="Europe/Berlin", since=SINCE)
    raise ValueError(kind)


def parse_both(raw: bytes) -> tuple[icalendar.Calendar, vobject.base.Component]:
    """Parse with both libraries; each must find exactly one VCALENDAR."""
    text = raw.decode("utf-8")
    with_icalendar = icalendar.Calendar.from_ical(raw, multiple=True)
    with_vobject = list(vobject.readComponents(text, validate=True))
    assert len(with_icalendar) == 1 and len(with_vobject) == 1
    return with_icalendar[0], with_vobject[0]


def only_vevent(raw: bytes):
    """The single VEVENT, as icalendar and as vobject see it."""
    ical, vcal = parse_both(raw)
    assert len(ical.events) == 1
    assert len(vcal.contents.get("vevent", [])) == 1
    return ical.events[0], vcal.vevent


def instant_by_vtimezone_in_file(vcal, line) -> datetime:
    """The UTC instant of a DTSTART/DTEND line, reading its wall time with the
    VTIMEZONE of this very file (parsed by dateutil, not by icalendar and not
    by a zone database lookup). vobject's own aware value is not used: it
    keeps the first VTIMEZONE it ever saw per TZID, across files."""
    tzid = line.params.get("X-VOBJ-ORIGINAL-TZID", [None])[0]
    if tzid is None:
        assert line.value.utcoffset() == timedelta(0)
        return line.value.astimezone(UTC)
    [vtimezone] = [tz for tz in vcal.contents["vtimezone"] if tz.tzid.value == tzid]
    return line.value.replace(tzinfo=vtimezone.gettzinfo()).astimezone(UTC)


def content_lines(raw: bytes) -> list[str]:
    """The unfolded content lines."""
    return raw.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def lines_of(raw: bytes, name: str, *, inside: str | None = None) -> list[str]:
    """Unfolded lines of one property (with or without parameters); with
    `inside`, only those directly in that component (e.g. the VEVENT's own
    DTSTART, not a VTIMEZONE's)."""
    found, open_components = [], []
    for line in content_lines(raw):
        if line.startswith("BEGIN:"):
            open_components.append(line.removeprefix("BEGIN:"))
        elif line.startswith("END:"):
            open_components.pop()
        elif line.split(":")[0].split(";")[0] == name and (
            inside is None or open_components[-1] == inside
        ):
            found.append(line)
    return found


def physical_line_problems(raw: bytes) -> list[str]:
    """Breaches of RFC 5545 §3.1 on the raw bytes, as readable messages."""
    problems = []
    if raw.startswith(codecs.BOM_UTF8):
        problems.append("starts with a BOM")
    if not raw.endswith(b"END:VCALENDAR\r\n"):
        problems.append(f"does not end with END:VCALENDAR CRLF: {raw[-30:]!r}")
    for number, line in enumerate(raw.removesuffix(b"\r\n").split(b"\r\n"), start=1):
        if b"\r" in line or b"\n" in line:
            problems.append(f"line {number} has a bare CR or LF: {line!r}")
        if not line.strip():
            problems.append(f"line {number} is blank")
        if len(line) > 75:
            problems.append(f"line {number} has {len(line)} octets: {line!r}")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(f"line {number} splits a UTF-8 character: {line!r}")
    return problems
