"""Every message as its reader sees it, in both languages, compared with files.

To accept a deliberate change of wording: UPDATE_SNAPSHOTS=1 make test, then
read the diff of tests/services/snapshots/ before committing it.
"""

from __future__ import annotations

import email
import os
import re
from datetime import timedelta
from email import policy as email_policy
from pathlib import Path

import icalendar
import pytest
import vobject
from flask import has_request_context

from booking.extensions import db
from booking.models import Booking, BookingStatus, MessageKind, OutboxMessage, Recipient
from booking.models.outbox_payloads import PAYLOAD_TYPES, Reminder
from booking.services import accounts, notifications, outbox
from booking.settings import settings_of
from tests.conftest import FIXED_NOW
from tests.support import berlin

SNAPSHOTS = Path(__file__).parent / "snapshots"
START = berlin("2026-06-03", "09:00")
ROOM_LINK = "https://video.praxis.example/{room}"
FIXED_ROOM = "Qm9va2luZ1Jvb21Gb3JTbmFwc2hvdHM"  # as random as new_room's, but fixed

CASES = [
    (MessageKind.CONFIRM_REQUEST, Recipient.VISITOR, {}),
    (MessageKind.CONFIRMED, Recipient.VISITOR, {}),
    (MessageKind.CONFIRMED, Recipient.PARTNER, {}),
    (MessageKind.NEW_BOOKING, Recipient.THERAPIST, {}),
    (MessageKind.RESCHEDULED, Recipient.VISITOR, {}),
    (MessageKind.RESCHEDULED, Recipient.THERAPIST,
     {"previous_start": "2026-06-02T07:00:00+00:00"}),
    (MessageKind.CANCELLED, Recipient.VISITOR, {"by": "visitor", "with_invite": True}),
    (MessageKind.CANCELLED, Recipient.VISITOR, {"by": "therapist", "with_invite": True}),
    (MessageKind.CANCELLED, Recipient.THERAPIST, {"by": "visitor", "with_invite": True}),
    (MessageKind.CANCELLED, Recipient.VISITOR, {"by": "practice", "with_invite": True}),
    (MessageKind.CANCELLED, Recipient.THERAPIST, {"by": "practice", "with_invite": True}),
    (MessageKind.CANCELLED, Recipient.VISITOR, {"by": "handover", "with_invite": True}),
    (MessageKind.CANCELLED, Recipient.THERAPIST, {"by": "handover", "with_invite": True}),
    (MessageKind.REASSIGNED, Recipient.VISITOR, {}),
    (MessageKind.REMINDER, Recipient.VISITOR, {}),
    (MessageKind.EXPIRED, Recipient.VISITOR, {}),
    (MessageKind.ALREADY_BOOKED, Recipient.VISITOR, {}),
]


@pytest.fixture
def booking_of(make_therapist, make_booking):
    """A booking with fixed identifiers, so that links and UIDs are the same every run."""

    def make(locale: str, start=START, **visitor) -> Booking:
        therapist = make_therapist(buffer_after_minutes=10)
        therapist.display_name, therapist.rules.meeting_url = "Dr. Anna Berger", ROOM_LINK
        db.session.commit()
        details = {"name": "Kim Beispiel", "email": "kim@example.org", "locale": locale,
                   "partner_name": "Sam Beispiel", "partner_email": "sam@example.org",
                   "message": "Wir streiten viel.", "cta_source": "getting-him-back",
                   "phone": "+49 30 1234567", **visitor}
        booking = make_booking(therapist, start=start, **details)
        booking.public_id, booking.ical_uid = "PUBLICID", "fixed-uid@termine.praxis.example"
        booking.meeting_room = FIXED_ROOM
        booking.cancel_reason = "Ich bin leider erkrankt."
        db.session.commit()
        return booking

    return make


def render(app, booking: Booking, kind: MessageKind, recipient: Recipient, **details):
    payload = PAYLOAD_TYPES[kind](**outbox.about(booking, recipient), **details)
    message = outbox.enqueue(booking, payload, FIXED_NOW)
    db.session.flush()
    message.message_id = f"<fixed-{message.id}@termine.praxis.example>"
    # As in the worker: an app context only, so every snapshot also shows that rendering,
    # links and translations need no request.
    assert not has_request_context()
    return notifications.render(message, now=FIXED_NOW, mail=settings_of(app).mail)


def readable(mail) -> str:
    """What a person reads: the headers that matter and both bodies."""
    return "\n".join([
        f"To: {mail['To']}", f"Subject: {mail['Subject']}", "",
        mail.get_body(("plain",)).get_content(), "----- html -----",
        mail.get_body(("html",)).get_content(),
    ])


def matches_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text()


def handed_over(booking: Booking, colleague, recipient: Recipient) -> dict:
    """Hand `booking` from Dr. Anna Berger to Jonas Hartmann as handover.reassign does;
    the payload that names the old entry (and, for Anna, her farewell)."""
    anna = booking.therapist
    colleague.display_name, colleague.rules.meeting_url = "Jonas Hartmann", ROOM_LINK
    booking.therapist = colleague
    db.session.commit()
    old_entry = {"uid": booking.ical_uid, "organizer_id": anna.id}
    return {**old_entry, **({"therapist_id": anna.id} if recipient is Recipient.THERAPIST
                            else {})}


# The wording does not depend on the database, so the snapshots are taken on SQLite.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("locale", ["de", "en"])
@pytest.mark.parametrize("kind, recipient, details", CASES,
                         ids=[f"{k.value}-{r.value}-{d.get('by', '')}" for k, r, d in CASES])
def test_every_message_reads_as_its_snapshot(app, booking_of, make_therapist, locale, kind,
                                             recipient, details):
    booking = booking_of(locale)
    if details.get("by") == "handover" or kind is MessageKind.REASSIGNED:
        old_entry = handed_over(booking, make_therapist(), recipient)
        if kind is MessageKind.CANCELLED:  # the new invitation names no old entry
            details = {**details, **old_entry}
    mail = render(app, booking, kind, recipient, **details)
    language = "de" if recipient is Recipient.THERAPIST else locale
    assert mail["Content-Language"] == language
    matches_snapshot(f"{kind.value}.{recipient.value}.{details.get('by', 'any')}.{locale}",
                     readable(mail))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("locale, place", [("de", "New York, Vereinigte Staaten"),
                                           ("en", "New York, United States")])
def test_mails_name_the_readers_zone_as_the_pages_do_not_by_its_tz_id(app, booking_of,
                                                                       locale, place):
    booking = booking_of(locale, timezone="America/New_York")
    for kind in (MessageKind.CONFIRM_REQUEST, MessageKind.CONFIRMED):
        mail = render(app, booking, kind, Recipient.VISITOR)
        for subtype in ("plain", "html"):
            body = mail.get_body((subtype,)).get_content()
            assert f"({place})" in body
            assert "America/New_York" not in body
    therapist_mail = render(app, booking, MessageKind.NEW_BOOKING, Recipient.THERAPIST)
    assert "(Berlin, Deutschland)" in therapist_mail.get_body(("plain",)).get_content()


@pytest.mark.parametrize("languages, words", [
    (["de", "en"], {"password_reset": "Neues Passwort", "invitation": "Ihr Zugang"}),
    (["en"], {"password_reset": "Set a new password", "invitation": "Your access"}),
])
def test_account_mails_speak_the_therapists_language_and_link_to_base_url_without_a_request(
        app, make_therapist, languages, words):
    therapist = make_therapist()
    therapist.languages = languages
    accounts.request_password_reset(therapist.email, now=FIXED_NOW)
    accounts.invite_again(therapist.id, now=FIXED_NOW)  # no password yet
    assert not has_request_context()
    messages = db.session.scalars(db.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert sorted(message.kind for message in messages) == sorted(words)
    for message in messages:
        mail = notifications.render(message, now=FIXED_NOW, mail=settings_of(app).mail)
        text = mail.get_body(("plain",)).get_content()
        assert words[message.kind] in mail["Subject"]
        page = "reset" if message.kind == "password_reset" else "welcome"
        assert f"http://127.0.0.1:5000/workspace/{page}/" in text
        assert f"?lang={languages[0]}" in text


@pytest.mark.parametrize("kind", [MessageKind.CONFIRM_REQUEST, MessageKind.CONFIRMED,
                                  MessageKind.RESCHEDULED, MessageKind.CANCELLED,
                                  MessageKind.REMINDER, MessageKind.EXPIRED,
                                  MessageKind.ALREADY_BOOKED])
def test_every_visitor_message_carries_the_manage_link_and_the_data_line(
        app, booking_of, kind):
    cancelled = {"by": "visitor", "with_invite": True} if kind is MessageKind.CANCELLED else {}
    text = readable(render(app, booking_of("de"), kind, Recipient.VISITOR, **cancelled))
    assert "http://127.0.0.1:5000/b/" in text
    assert "löschen" in text


def test_the_therapist_mail_never_carries_the_visitors_manage_link(app, booking_of):
    text = readable(render(app, booking_of("de"), MessageKind.NEW_BOOKING, Recipient.THERAPIST))
    assert "/b/" not in text
    assert "Wir streiten viel." in text and "getting-him-back" in text


@pytest.mark.parametrize("kind, details", [
    (MessageKind.NEW_BOOKING, {}),
    (MessageKind.RESCHEDULED, {"previous_start": "2026-06-02T07:00:00+00:00"}),
    (MessageKind.CANCELLED, {"by": "visitor", "with_invite": True}),
    (MessageKind.CANCELLED, {"by": "practice", "with_invite": True}),
])
def test_a_therapist_mail_links_to_the_booking_in_the_workspace(app, booking_of, kind,
                                                                 details):
    # Without it a therapist reading "Neue Buchung" had to sign in and look for it.
    booking = booking_of("de")
    mail = render(app, booking, kind, Recipient.THERAPIST, **details)
    address = f"http://127.0.0.1:5000/workspace/bookings/{booking.id}?lang=de"
    assert f"Diese Buchung im Arbeitsbereich:\n{address}" in mail.get_body(
        ("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert re.search(rf'<a href="{re.escape(address)}"[^>]*>Diese Buchung im Arbeitsbereich '
                     "öffnen</a>", html)


def test_no_workspace_link_where_it_would_not_open_the_readers_booking(
        app, booking_of, make_therapist):
    # The visitor has no workspace; the therapist who handed a booking over no longer
    # sees it there.
    booking = booking_of("de")
    text = readable(render(app, booking, MessageKind.CONFIRMED, Recipient.VISITOR))
    assert "/workspace/" not in text
    old_entry = handed_over(booking, make_therapist(), Recipient.THERAPIST)
    text = readable(render(app, booking, MessageKind.CANCELLED, Recipient.THERAPIST,
                           by="handover", with_invite=True, **old_entry))
    assert "/workspace/" not in text


def test_a_hostile_name_cannot_add_headers_or_recipients(app, booking_of):
    booking = booking_of("de", name='Eve\r\nBcc: spy@evil.example "=?utf-8?q?x=0D=0ABcc:_y@e?="')
    mail = render(app, booking, MessageKind.CONFIRM_REQUEST, Recipient.VISITOR)
    headers = mail.as_bytes().split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in headers
    reparsed = email.message_from_bytes(mail.as_bytes(), policy=email_policy.default)
    assert "Bcc" not in reparsed
    assert [a.addr_spec for a in reparsed["To"].addresses] == ["kim@example.org"]


def invite_of(mail) -> bytes:
    return next(p for p in mail.walk() if p.get_content_type() == "text/calendar").get_payload(
        decode=True)


@pytest.mark.parametrize("start", [berlin("2026-03-30", "09:00"), berlin("2026-10-26", "09:00")],
                         ids=["after-spring-forward", "after-fall-back"])
def test_invites_land_at_the_booked_instant_in_two_independent_parsers(
        app, booking_of, clock, start):
    clock.set(start - timedelta(days=2))
    booking = booking_of("en", start=start, timezone="America/New_York")
    for kind, details in ((MessageKind.CONFIRMED, {}), (MessageKind.RESCHEDULED, {}),
                          (MessageKind.CANCELLED, {"by": "visitor", "with_invite": True})):
        ics = invite_of(render(app, booking, kind, Recipient.VISITOR, **details))
        ours = icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]
        theirs = vobject.readOne(ics.decode()).vevent
        assert ours["DTSTART"].dt == start
        assert theirs.dtstart.value == start
        assert str(theirs.uid.value) == booking.ical_uid


def test_request_then_cancel_share_the_uid_with_a_rising_sequence(app, booking_of):
    booking = booking_of("de")
    request = render(app, booking, MessageKind.CONFIRMED, Recipient.VISITOR)
    booking.status = BookingStatus.CONFIRMED
    booking.cancel(FIXED_NOW)
    db.session.commit()
    cancel = render(app, booking, MessageKind.CANCELLED, Recipient.VISITOR, by="visitor",
                    with_invite=True)
    events = [icalendar.Calendar.from_ical(invite_of(m)) for m in (request, cancel)]
    assert [str(c["METHOD"]) for c in events] == ["REQUEST", "CANCEL"]
    vevents = [c.walk("VEVENT")[0] for c in events]
    assert vevents[0]["UID"] == vevents[1]["UID"] == booking.ical_uid
    assert int(vevents[0]["SEQUENCE"]) < int(vevents[1]["SEQUENCE"])


def test_the_therapists_invite_never_carries_the_visitors_manage_link(app, booking_of):
    booking = booking_of("de")
    for recipient in (Recipient.THERAPIST, Recipient.VISITOR):
        ics = invite_of(render(app, booking, MessageKind.CONFIRMED, recipient))
        assert (b"/b/" in ics.replace(b"\r\n ", b"")) is (recipient is Recipient.VISITOR)


def test_a_reminder_of_a_booking_moved_away_and_back_is_still_obsolete(app, booking_of):
    booking = booking_of("de")
    reminder = outbox.enqueue(booking, Reminder(**outbox.about(booking, Recipient.VISITOR)),
                              FIXED_NOW)
    booking.status = BookingStatus.CONFIRMED
    original = (booking.start_utc, booking.end_utc, booking.blocked_start_utc,
                booking.blocked_end_utc)
    later = tuple(moment + timedelta(days=1) for moment in original)
    booking.reschedule(*later, FIXED_NOW)
    booking.reschedule(*original, FIXED_NOW)
    assert notifications.is_obsolete(reminder)
