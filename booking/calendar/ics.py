"""iCalendar builders: e-mail invitations (iTIP), downloads and feeds.

Pure functions from `CalendarEvent`s to UTF-8 bytes. Every timestamp is an
argument; nothing here reads the clock, so equal input gives equal bytes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vDuration
from icalendar.timezone import tzid_from_tzinfo

from booking.calendar.events import CalendarEvent, Person, require_aware, zone_info
from booking.calendar.text import multi_line, one_line, parameter_value

DEFAULT_PRODID = "-//Praxis//Erstgespraech booking//DE"
METHODS = ("REQUEST", "CANCEL")
FEED_TTL = timedelta(hours=1)


def invite(
    event: CalendarEvent, *, method: str, stamp: datetime, prodid: str = DEFAULT_PRODID
) -> bytes:
    """An iTIP object for e-mail: method "REQUEST" (new or moved booking) or
    "CANCEL". `stamp` is when this message is made (DTSTAMP).

    Both carry ORGANIZER and every attendee; a CANCEL is always
    STATUS:CANCELLED and never has an alarm, whatever `event.status` says.
    The caller raises `event.sequence` for every change clients must apply.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if event.organizer is None or not event.attendees:
        raise ValueError("an invitation needs an organizer and at least one attendee")
    if method == "REQUEST" and event.status == "CANCELLED":
        raise ValueError("a cancelled booking is sent with method='CANCEL'")
    status = "CANCELLED" if method == "CANCEL" else event.status
    vevent = _vevent(event, stamp=stamp, status=status)
    vevent.add("organizer", _address(event.organizer))
    for attendee in event.attendees:
        vevent.add("attendee", _attendee(attendee))
    return _serialised(_calendar(prodid, [vevent], method=method))


def download(event: CalendarEvent, *, stamp: datetime, prodid: str = DEFAULT_PRODID) -> bytes:
    """The .ics a visitor downloads ("add to calendar").

    No METHOD, ORGANIZER or ATTENDEE, so no client offers to send replies;
    same UID and SEQUENCE as the mails, so it merges with the invitation.
    Without METHOD, DTSTAMP means "last revised": pass the booking's last
    change (not the request time) to keep repeated downloads identical.
    """
    vevent = _vevent(event, stamp=stamp, status=event.status)
    return _serialised(_calendar(prodid, [vevent]))


def feed(events: Iterable[CalendarEvent], *, name: str, zone: str, since: date,
         prodid: str = DEFAULT_PRODID) -> bytes:
    """A subscription calendar (webcal/https) named `name`, displayed in `zone`.

    One VEVENT per UID (the latest revision wins), sorted by start, DTSTAMP =
    the event's `last_modified`, so the bytes change only when content does
    (feeds are cached by ETag). Cancelled bookings stay with STATUS:CANCELLED
    so subscribers drop them. No ORGANIZER or ATTENDEE: the feed is
    health-related and must not carry e-mail addresses.

    The VTIMEZONE of `zone` is always there, so a feed without events is still
    a calendar with a component (RFC 5545 requires one; icalendar and ical.js
    reject an empty VCALENDAR); it covers the events' years, or that of `since`
    (the first day the feed covers) when there are none.
    """
    zone_info(zone)
    latest = sorted(_latest_per_uid(events), key=lambda event: (event.start, event.uid))
    written = [(event, *_wall_times(event)) for event in latest]
    calendar = _calendar(prodid, [], timezones=False)
    title = one_line(name)
    calendar.add("name", title)
    calendar.add("x-wr-calname", title)
    calendar.add("x-wr-timezone", zone)
    # The grammar of REFRESH-INTERVAL requires the VALUE parameter (RFC 7986 §5.7);
    # Outlook reads X-PUBLISHED-TTL instead.
    calendar.add("refresh-interval", FEED_TTL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_TTL))
    used = {tzid for _, start, _ in written if (tzid := _tzid(start.tzinfo)) not in (None, "UTC")}
    years = [moment.year for _, start, end in written for moment in (start, end)]
    _insert_timezones(calendar, sorted({*used, zone}), years or [since.year])
    frame = _serialised(calendar)
    end = b"END:VCALENDAR\r\n"
    if not frame.endswith(end):
        raise AssertionError("icalendar ended the calendar unexpectedly")
    body = "".join(_feed_vevent(event, start, end_)
                   for event, start, end_ in written).encode("utf-8")
    return frame[:-len(end)] + body + end


def _feed_vevent(event: CalendarEvent, start: datetime, end: datetime) -> str:
    """One feed VEVENT as text, byte for byte what icalendar writes for `_vevent`
    (a test holds them equal) at a small part of its cost: a feed of 5,000
    bookings took 2.2 s through icalendar's objects, 90% of it in the library.
    Only lines that can be long are folded; the others (UTC stamps, SEQUENCE,
    STATUS) have a fixed short shape."""
    revised = _utc_date_time(_revision(event))
    text = (
        "BEGIN:VEVENT\r\n"
        f"{_folded('SUMMARY:' + _text(one_line(event.summary)))}\r\n"
        f"{_folded('DTSTART' + _date_time(start))}\r\n"
        f"{_folded('DTEND' + _date_time(end))}\r\n"
        f"DTSTAMP{revised}\r\n"
        f"{_folded('UID:' + _text(event.uid))}\r\n"
        f"SEQUENCE:{event.sequence}\r\n"
    )
    if event.created is not None:
        text += "CREATED" + _utc_date_time(event.created) + "\r\n"
    if description := multi_line(event.description):
        text += _folded("DESCRIPTION:" + _text(description)) + "\r\n"
    if event.last_modified is not None:
        text += "LAST-MODIFIED" + revised + "\r\n"
    if location := one_line(event.location):
        text += _folded("LOCATION:" + _text(location)) + "\r\n"
    text += "STATUS:" + _text(event.status) + "\r\n"
    if event.url:
        text += _folded("URL:" + event.url) + "\r\n"
    if event.alarm_before is not None and event.status != "CANCELLED":
        text += ("BEGIN:VALARM\r\nACTION:DISPLAY\r\n"
                 + _folded("DESCRIPTION:" + _text(one_line(event.summary))) + "\r\n"
                 + _folded("TRIGGER:" + _duration(-event.alarm_before)) + "\r\n"
                 + "END:VALARM\r\n")
    return text + "END:VEVENT\r\n"


def _duration(value: timedelta) -> str:
    text: bytes = vDuration(value).to_ical()  # type: ignore[no-untyped-call]
    return text.decode()


_ESCAPED = re.compile(r"[\\;,\r\n]")


def _text(value: str) -> str:
    # RFC 5545 §3.3.11 TEXT, in the order icalendar applies it; most values (names,
    # uids, statuses) hold nothing to escape and are taken as they are.
    if _ESCAPED.search(value) is None:
        return value
    return (value.replace(r"\N", "\n").replace("\\", "\\\\").replace(";", r"\;")
            .replace(",", r"\,").replace("\r\n", r"\n").replace("\n", r"\n")
            .replace("\r", r"\n"))


def _date_time(moment: datetime) -> str:
    """";TZID=…:" or ":" and the time, as icalendar writes a DATE-TIME property."""
    tzid = _tzid(moment.tzinfo)
    return f":{_digits(moment)}Z" if tzid == "UTC" else f";TZID={tzid}:{_digits(moment)}"


def _utc_date_time(moment: datetime) -> str:
    """":" and the instant in UTC, as icalendar writes DTSTAMP, CREATED and
    LAST-MODIFIED (always 17 characters, so never folded)."""
    return f":{_digits(moment.astimezone(UTC))}Z"


def _digits(moment: datetime) -> str:
    # 2026-06-01 10:00:00 -> 20260601T100000, seconds truncated as icalendar does;
    # %-formatting the fields is about three times quicker than isoformat or strftime.
    fields = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return "%04d%02d%02dT%02d%02d%02d" % fields  # noqa: UP031 (the quick one, see above)


@functools.lru_cache(maxsize=64)
def _tzid(zone: tzinfo | None) -> str | None:
    return tzid_from_tzinfo(zone)


_FOLD_AT = 74  # octets per physical line before the CRLF; icalendar's limit too
_ESCAPE_STARTS = b"\\^"  # not left at the end of a line (icalendar issue #1501)


def _folded(line: str) -> str:
    """Lines of at most 74 octets, never split inside a UTF-8 character nor right
    after a backslash or caret (icalendar's folding, RFC 5545 §3.1)."""
    if len(line) <= _FOLD_AT and line.isascii():
        return line
    octets = line.encode()
    if len(octets) <= _FOLD_AT:
        return line
    parts: list[bytes] = []
    first = 0
    while len(octets) - first > _FOLD_AT:
        cut = first + _FOLD_AT
        while octets[cut] & 0xC0 == 0x80:  # inside a character: cut before it
            cut -= 1
        if octets[cut - 1] in _ESCAPE_STARTS:  # carry the escape to the next line
            cut -= 1
        parts.append(octets[first:cut])
        first = cut
    parts.append(octets[first:])
    return b"\r\n ".join(parts).decode()


def _revision(event: CalendarEvent) -> datetime:
    if event.last_modified is None:
        raise ValueError(f"a feed event needs last_modified (its DTSTAMP): {event.uid}")
    return event.last_modified


def _latest_per_uid(events: Iterable[CalendarEvent]) -> list[CalendarEvent]:
    # Two VEVENTs with one UID make clients show duplicates or pick one at
    # random; keep the revision a client would keep.
    latest: dict[str, CalendarEvent] = {}
    for event in events:
        kept = latest.get(event.uid)
        if kept is None or (event.sequence, _revision(event)) > (kept.sequence, _revision(kept)):
            latest[event.uid] = event
    return list(latest.values())


def _serialised(calendar: Calendar) -> bytes:
    ics: bytes = calendar.to_ical()  # icalendar leaves to_ical() unannotated
    return ics


def _calendar(prodid: str, vevents: list[Event], *, method: str | None = None,
              timezones: bool = True) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", one_line(prodid))
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method is not None:
        calendar.add("method", method)
    for vevent in vevents:
        calendar.add_component(vevent)
    if timezones:
        _add_timezones(calendar)
    return calendar


def _vevent(event: CalendarEvent, *, stamp: datetime, status: str) -> Event:
    require_aware(stamp, "stamp")
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", _utc(stamp))
    start, end = _wall_times(event)
    vevent.add("dtstart", start)
    vevent.add("dtend", end)
    vevent.add("summary", one_line(event.summary))
    for prop, value in (("description", multi_line(event.description)),
                        ("location", one_line(event.location)),
                        ("url", event.url)):
        if value:
            vevent.add(prop, value)
    vevent.add("status", status)
    if event.created is not None:
        vevent.add("created", _utc(event.created))
    if event.last_modified is not None:
        vevent.add("last-modified", _utc(event.last_modified))
    # A cancelled event must not ring (RFC 5546 §3.2.5).
    if event.alarm_before is not None and status != "CANCELLED":
        vevent.add_component(_alarm(event.alarm_before, event.summary))
    return vevent


def _alarm(before: timedelta, summary: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", -before)
    alarm.add("description", one_line(summary))
    return alarm


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    name = parameter_value(person.name)
    if name:
        address.params["CN"] = name
    return address


def _attendee(person: Person) -> vCalAddress:
    address = _address(person)
    address.params["ROLE"] = "REQ-PARTICIPANT"
    address.params["PARTSTAT"] = "NEEDS-ACTION"
    address.params["RSVP"] = "TRUE"
    return address


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _wall_times(event: CalendarEvent) -> tuple[datetime, datetime]:
    """Start and end as wall times in the event's zone (written with TZID),
    or both in UTC where wall time cannot say it: in the repeated hour of a
    fall-back night a TZID time means the first occurrence (RFC 5545
    §3.3.5), so the second one must be written in UTC."""
    if event.zone == "UTC":
        return _utc(event.start), _utc(event.end)
    zone = zone_info(event.zone)
    start, end = event.start.astimezone(zone), event.end.astimezone(zone)
    if _is_second_occurrence(start) or _is_second_occurrence(end):
        return _utc(event.start), _utc(event.end)
    return start, end


def _is_second_occurrence(local: datetime) -> bool:
    # astimezone() marks the second occurrence with fold=1; the usual fold=0 needs
    # no second look at the zone.
    return bool(local.fold) and local.replace(fold=0).utcoffset() != local.utcoffset()


def _add_timezones(calendar: Calendar) -> None:
    # One VTIMEZONE per TZID, from tzdata, covering the years the events
    # touch (a small, current definition; Outlook misplaces events without
    # one). Sorted, because equal input must give equal bytes.
    tzids = sorted(calendar.get_used_tzids())
    if not tzids:
        return
    years = [
        moment.year
        for vevent in calendar.events
        for moment in (vevent.start, vevent.end)
    ]
    _insert_timezones(calendar, tzids, years)


def _insert_timezones(calendar: Calendar, tzids: list[str], years: list[int]) -> None:
    first, last = date(min(years), 1, 1), date(max(years) + 1, 1, 1)
    for position, tzid in enumerate(tzids):
        timezone = Timezone.from_tzid(tzid, first_date=first, last_date=last)
        calendar.subcomponents.insert(position, timezone)
