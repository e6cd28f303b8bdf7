"""A large feed, fetched as calendar programs fetch it, says what the booking rows
say: read back with icalendar, with recurring-ical-events and with vobject, event by
event. The feed writes its lines itself for speed (bench/feed_render.py), so this
holds the whole path to what the rows and the parsers say, and to the bytes
icalendar itself would write for what it reads."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from booking.extensions import db
from booking.models import Booking, BookingStatus, FeedScope
from booking.services import feeds
from tests.calendar.helpers import parse_both, physical_line_problems
from tests.conftest import FIXED_NOW

MEETING_URL = "https://meet.praxis-am-see.example/erstgespraech/online/{room}"
BOOKINGS_PER_THERAPIST = 240
STEP = timedelta(hours=17)  # a booking every 17 hours: all times of day and week

# (what the visitor typed, the initials a private feed shows, the name a full feed shows)
NAMES = [
    ("Kim Beispiel", "K. B.", "Kim Beispiel"),
    ("  Lou  ", "L.", "Lou"),
    ("Anna Maria de la Cruz", "A. M. d.", "Anna Maria de la Cruz"),
    ("Ååsa Øberg-Ünal", "Å. Ø.", "Ååsa Øberg-Ünal"),
    ('Zoë "Z" O\'Neil; Müller, Jr.\\', 'Z. ". O.', 'Zoë "Z" O\'Neil; Müller, Jr.\\'),
    ("Line\nBreak\r\nThird", "L. B. T.", "Line Break Third"),
    ("😀 Smile", "😀. S.", "😀 Smile"),
    ("Ääß€😀,;\\n " * 10, "Ä. Ä. Ä.", ("Ääß€😀,;\\n " * 10).strip()),
]
# (what the visitor wrote, what a full feed's DESCRIPTION carries of it)
MESSAGES = [
    ("", ""),
    ("Wir streiten viel;\r\nseit Jahren, \\ sehr.", "Wir streiten viel;\nseit Jahren, \\ sehr."),
    ("ü" * 100, "ü" * 100),
    ("Zeile\u2028zwei\tmit Tab \x07", "Zeile\nzwei\tmit Tab"),
]


@dataclass(frozen=True)
class Shown:
    """What one booking row says its feed event must say."""

    uid: str
    start: datetime
    end: datetime
    status: str
    sequence: int
    created: datetime
    revised: datetime
    initials: str
    name: str
    email: str
    phone: str
    message: str
    location: str
    therapist: str
    zone: str


@pytest.fixture
def practice(make_therapist, first_session):
    """Two therapists in two zones with many bookings each, in every state a feed
    shows, and some it must leave out. Returns the therapists and what their rows say."""
    berlin = make_therapist(timezone="Europe/Berlin", languages=("de", "en"),
                            meeting_url=MEETING_URL)
    new_york = make_therapist(timezone="America/New_York", languages=("en",))
    serial = itertools.count()
    shown: dict[int, list[Shown]] = {berlin.id: [], new_york.id: []}
    rows = []

    def add(therapist, start: datetime, status: BookingStatus, *, updated: datetime,
            sequence: int = 0, hold_until: datetime | None = None, show: bool = True,
            zone: str | None = None) -> None:
        n = next(serial)
        name, initials, full_name = NAMES[n % len(NAMES)]
        message, described = MESSAGES[n % len(MESSAGES)]
        phone = f"+49 30 {n:04}" if n % 3 else ""
        room = f"room-{n:05}-abcdefghijklmnopqrstuvwx"
        booking = Booking(
            public_id=f"p{n:05}", ical_uid=f"{n:05}-3f2c9a7e@termine.praxis.example",
            therapist_id=therapist.id, session_type_id=first_session.id,
            start_utc=start, end_utc=start + timedelta(minutes=50),
            blocked_start_utc=start, blocked_end_utc=start + timedelta(minutes=50),
            status=status, hold_until=hold_until, visitor_name=name,
            visitor_email=f"v{n}@example.org", visitor_email_key=f"v{n}@example.org",
            visitor_phone=phone, message=message, consent_at=FIXED_NOW,
            manage_token_hash=f"{n:064}", sequence=sequence, meeting_room=room,
            # Microseconds, as the clock gives them: the feed writes whole seconds.
            created_at=updated - timedelta(days=2, microseconds=n + 1), updated_at=updated,
        )
        rows.append(booking)
        if show:
            location = MEETING_URL.replace("{room}", room) if therapist is berlin else ""
            shown[therapist.id].append(Shown(
                uid=booking.ical_uid, start=start, end=start + timedelta(minutes=50),
                status={BookingStatus.PENDING: "TENTATIVE",
                        BookingStatus.CANCELLED: "CANCELLED"}.get(status, "CONFIRMED"),
                sequence=sequence, created=booking.created_at.replace(microsecond=0),
                revised=updated.replace(microsecond=0), initials=initials, name=full_name,
                email=booking.visitor_email, phone=phone, message=described,
                location=location, therapist=therapist.display_name,
                zone=zone or therapist.timezone))

    # In the hour a fall-back night repeats, a wall time means its first occurrence:
    # a booking there keeps its zone, one in the repeated hour is written in UTC.
    folds = {berlin: [(datetime(2026, 10, 25, 0, 0, tzinfo=UTC), "Europe/Berlin"),
                      (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "UTC")],
             new_york: [(datetime(2026, 11, 1, 5, 0, tzinfo=UTC), "America/New_York"),
                        (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "UTC")]}
    for therapist in (berlin, new_york):
        first = FIXED_NOW - feeds.PAST + timedelta(minutes=20)
        for k in range(BOOKINGS_PER_THERAPIST):
            start = first + k * STEP
            if any(abs(start - fold) < timedelta(hours=2) for fold, _ in folds[therapist]):
                continue
            updated = FIXED_NOW - timedelta(days=k % 29, minutes=k, seconds=k % 60)
            if k % 9 == 0:
                add(therapist, start, BookingStatus.CANCELLED, updated=updated, sequence=2)
            elif k % 9 == 1 and start > FIXED_NOW:
                add(therapist, start, BookingStatus.PENDING, updated=updated,
                    hold_until=FIXED_NOW + timedelta(hours=1))
            elif start < FIXED_NOW:
                add(therapist, start, BookingStatus.COMPLETED, updated=updated, sequence=1)
            else:
                add(therapist, start, BookingStatus.CONFIRMED, updated=updated)
        for start, zone in folds[therapist]:
            add(therapist, start, BookingStatus.CONFIRMED, updated=FIXED_NOW, zone=zone)
        # Left out: too far back or ahead, cancelled too long ago, a hold that lapsed.
        add(therapist, FIXED_NOW - feeds.PAST - timedelta(hours=2), BookingStatus.COMPLETED,
            updated=FIXED_NOW, show=False)
        add(therapist, FIXED_NOW + feeds.MAX_HORIZON + timedelta(hours=2),
            BookingStatus.CONFIRMED, updated=FIXED_NOW, show=False)
        add(therapist, FIXED_NOW + timedelta(days=2, minutes=5), BookingStatus.CANCELLED,
            updated=FIXED_NOW - feeds.PAST - timedelta(minutes=1), sequence=1, show=False)
        add(therapist, FIXED_NOW + timedelta(days=3, minutes=5), BookingStatus.PENDING,
            updated=FIXED_NOW, hold_until=FIXED_NOW - timedelta(minutes=1), show=False)
        add(therapist, FIXED_NOW + timedelta(days=4, minutes=5), BookingStatus.EXPIRED,
            updated=FIXED_NOW, show=False)
    db.session.add_all(rows)
    db.session.commit()
    return berlin, new_york, shown


def fetched(client, therapist, *, full_details: bool = False) -> bytes:
    """The feed's body as a calendar program gets it."""
    scope = FeedScope.THERAPIST if therapist else FeedScope.PRACTICE
    owner = therapist.id if therapist else None
    token = feeds.current_token(therapist_id=owner, scope=scope, secret_key="test-secret-key",
                                now=FIXED_NOW)
    if full_details:
        feeds.set_full_details(therapist_id=owner, full=True, secret_key="test-secret-key",
                               now=FIXED_NOW)
    response = client.get(f"/feeds/{token}.ics")
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    return response.data


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def assert_says_what_the_rows_say(raw: bytes, rows: list[Shown], *, session: str,
                                  full_details: bool = False, with_therapist: bool = False):
    assert physical_line_problems(raw) == []
    # Escaping and folding exactly as icalendar writes what it reads from the feed.
    ical, vcal = parse_both(raw)
    assert ical.to_ical() == raw
    by_uid = {str(event["UID"]): event for event in ical.events}
    assert len(by_uid) == len(ical.events) == len(vcal.contents["vevent"])
    assert sorted(by_uid) == sorted(row.uid for row in rows)
    for row in rows:
        event = by_uid[row.uid]
        who = row.name if full_details else row.initials
        if with_therapist:
            who = f"{who} · {row.therapist}"
        assert str(event["SUMMARY"]) == f"{session} · {who}", row.uid
        details = [row.email, row.phone, row.message] if full_details else []
        assert str(event.get("DESCRIPTION", "")) == "\n".join(filter(None, details)), row.uid
        assert str(event.get("LOCATION", "")) == row.location
        assert (str(event["STATUS"]), event["SEQUENCE"]) == (row.status, row.sequence)
        # In UTC: Python never calls an ambiguous wall time equal to another zone's.
        assert (utc(event.start), utc(event.end)) == (row.start, row.end), row.uid
        for line in ("DTSTART", "DTEND"):
            assert event[line].params.get("TZID", "UTC") == row.zone, (row.uid, line)
        assert event["DTSTAMP"].dt == event["LAST-MODIFIED"].dt == row.revised
        assert event["CREATED"].dt == row.created
        assert "ATTENDEE" not in event and "ORGANIZER" not in event
    # What a client that expands the calendar for display sees: every booking once, at
    # its time. recurring-ical-events gives times as wall times of X-WR-TIMEZONE and
    # drops the fold of a repeated hour, so compare what a clock there reads.
    shown_in = ZoneInfo(str(ical["X-WR-TIMEZONE"]))
    occurrences = recurring_ical_events.of(ical).between(
        FIXED_NOW - feeds.PAST - timedelta(days=1), FIXED_NOW + feeds.MAX_HORIZON)
    assert sorted((str(event["UID"]), wall(event.start, shown_in), wall(event.end, shown_in))
                  for event in occurrences) == sorted(
        (row.uid, wall(row.start, shown_in), wall(row.end, shown_in)) for row in rows)


def test_a_large_private_feed_says_what_each_booking_row_says(client, practice):
    berlin, new_york, shown = practice
    assert len(shown[berlin.id]) > 200
    assert_says_what_the_rows_say(fetched(client, berlin), shown[berlin.id],
                                  session="Kostenfreies Erstgespräch")
    assert_says_what_the_rows_say(fetched(client, new_york), shown[new_york.id],
                                  session="Free first consultation")


def test_a_large_feed_with_full_details_says_what_each_booking_row_says(client, practice):
    berlin, _, shown = practice
    assert_says_what_the_rows_say(fetched(client, berlin, full_details=True), shown[berlin.id],
                                  session="Kostenfreies Erstgespräch", full_details=True)


def test_the_practice_feed_says_what_each_booking_row_of_the_team_says(client, practice):
    berlin, new_york, shown = practice
    assert_says_what_the_rows_say(fetched(client, None), shown[berlin.id] + shown[new_york.id],
                                  session="Kostenfreies Erstgespräch", with_therapist=True)


def test_the_practice_feed_brings_the_zone_of_each_team_member_before_its_events(
        client, practice):
    berlin, new_york, _ = practice
    components = icalendar.Calendar.from_ical(fetched(client, None)).subcomponents
    zones = [str(zone["TZID"]) for zone in components if zone.name == "VTIMEZONE"]
    assert sorted(zones) == sorted([berlin.timezone, new_york.timezone])
    assert [component.name for component in components[:2]] == ["VTIMEZONE", "VTIMEZONE"]
