"""A room of its own for each online session: the booking keeps an unguessable room
name, the same across a move and a new one for a hand-over, and every place that gives
the link (invitation, download, feed, mails) fills it into the therapist's template, or
into the practice's default for a therapist without one."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import select

from booking.errors import InvalidInput
from booking.extensions import db
from booking.models import CalendarFeed, FeedScope, MessageKind, OutboxMessage
from booking.services import bookings, feeds, handover, hours, notifications
from booking.services.invites import download_ics
from booking.settings import settings_of
from tests.conftest import FIXED_NOW
from tests.support import WEDNESDAY_9

TEMPLATE = "https://video.praxis.example/{room}"
PRACTICE_DEFAULT = "https://raum.praxis.example/erstgespraech-{room}"


@pytest.fixture
def anna(make_therapist):
    return make_therapist(meeting_url=TEMPLATE)


def room_link(booking) -> str:
    return f"https://video.praxis.example/{booking.meeting_room}"


def location_of(ics: bytes) -> str:
    return str(icalendar.Calendar.from_ical(ics).walk("VEVENT")[0].get("LOCATION", ""))


def readable(mail) -> str:
    """The plain body and every calendar part, decoded."""
    return "\n".join([mail.get_body(("plain",)).get_content(), *(
        part.get_payload(decode=True).decode() for part in mail.walk()
        if part.get_content_type() == "text/calendar")])


def test_each_booking_gets_a_room_of_its_own(anna, make_booking):
    first = make_booking(anna, email="a@example.org")
    second = make_booking(anna, start=WEDNESDAY_9 + timedelta(hours=1), email="b@example.org")
    assert len(first.meeting_room) >= 22  # at least 128 bits in URL-safe base64
    assert first.meeting_room != second.meeting_room
    assert first.meeting_url == room_link(first) != second.meeting_url


def test_a_move_keeps_the_room(anna, make_booking, token_of, policy):
    booking = make_booking(anna, confirmed=True)
    room = booking.meeting_room
    bookings.reschedule_by_visitor(token_of(booking), start=WEDNESDAY_9 + timedelta(hours=1),
                                   now=FIXED_NOW, policy=policy)
    assert booking.meeting_room == room


def test_a_hand_over_gives_a_new_room_that_the_previous_therapist_never_saw(
        anna, make_therapist, make_booking, app):
    ben = make_therapist(meeting_url=TEMPLATE)
    booking = make_booking(anna, confirmed=True)
    old_room, before = booking.meeting_room, db.session.scalar(
        select(db.func.max(OutboxMessage.id)))
    handover.reassign(booking.id, to_therapist_id=ben.id, now=FIXED_NOW)
    assert booking.meeting_room != old_room
    mail = settings_of(app).mail
    texts = {}
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > before)):
        rendered = notifications.render(message, now=FIXED_NOW, mail=mail)
        texts[(message.kind, message.payload["recipient"])] = readable(rendered)
    visitor = texts[(MessageKind.REASSIGNED, "visitor")]
    assert room_link(booking) in visitor
    farewell = texts[(MessageKind.CANCELLED, "therapist")]  # to Anna: her entry goes away
    assert "BEGIN:VEVENT" in farewell
    assert booking.meeting_room not in farewell and old_room not in farewell
    assert room_link(booking) in texts[(MessageKind.NEW_BOOKING, "therapist")]  # Ben's


def links_given(booking, app) -> tuple[dict[str, str], str]:
    """For a confirmed booking: the LOCATION of the mailed invitation, of the download
    and of the therapist's feed ("" for none), and the confirmation mail's text."""
    confirmed = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == MessageKind.CONFIRMED, OutboxMessage.booking_id == booking.id))
    rendered = notifications.render(confirmed, now=FIXED_NOW, mail=settings_of(app).mail)
    invite = next(part for part in rendered.walk()
                  if part.get_content_type() == "text/calendar").get_payload(decode=True)
    feeds.current_token(therapist_id=booking.therapist_id, scope=FeedScope.THERAPIST,
                        secret_key="test-secret-key", now=FIXED_NOW)
    feed = db.session.scalar(select(CalendarFeed).where(
        CalendarFeed.therapist_id == booking.therapist_id))
    download = download_ics(booking, manage_url="https://x.example/b/t", locale="de")
    locations = {"invitation": location_of(invite), "download": location_of(download),
                 "feed": location_of(feeds.render(feed, FIXED_NOW))}
    return locations, rendered.get_body(("plain",)).get_content()


def everywhere(link: str) -> dict[str, str]:
    return dict.fromkeys(("invitation", "download", "feed"), link)


def test_the_invitation_download_and_feed_carry_the_bookings_room(anna, make_booking, app):
    booking = make_booking(anna, confirmed=True)
    locations, mail = links_given(booking, app)
    assert locations == everywhere(room_link(booking)) and room_link(booking) in mail


def test_a_therapist_without_a_link_of_their_own_gets_a_room_in_the_practices_default(
        make_therapist, make_booking, app, set_practice_meeting_link):
    set_practice_meeting_link(PRACTICE_DEFAULT)
    booking = make_booking(make_therapist(meeting_url=""), confirmed=True)
    assert len(booking.meeting_room) >= 22
    link = f"https://raum.praxis.example/erstgespraech-{booking.meeting_room}"
    assert booking.meeting_url == link
    locations, mail = links_given(booking, app)
    assert locations == everywhere(link) and link in mail


def test_a_therapists_own_link_wins_over_the_practices_default(anna, make_booking, app,
                                                              set_practice_meeting_link):
    set_practice_meeting_link(PRACTICE_DEFAULT)
    booking = make_booking(anna, confirmed=True)
    locations, mail = links_given(booking, app)
    assert locations == everywhere(room_link(booking)) and room_link(booking) in mail
    assert "raum.praxis.example" not in mail


def test_without_a_link_of_their_own_or_a_practice_default_a_session_has_no_room(
        make_therapist, make_booking, app):
    booking = make_booking(make_therapist(meeting_url=""), confirmed=True)
    assert booking.meeting_url == ""
    assert links_given(booking, app)[0] == everywhere("")


def test_a_fixed_link_is_the_same_for_every_client(make_therapist, make_booking):
    therapist = make_therapist(meeting_url="https://zoom.example/j/123")
    first = make_booking(therapist, email="a@example.org")
    second = make_booking(therapist, start=WEDNESDAY_9 + timedelta(hours=1),
                          email="b@example.org")
    assert first.meeting_url == second.meeting_url == "https://zoom.example/j/123"


RULES = {"buffer_before_minutes": 0, "buffer_after_minutes": 10,
         "minimum_notice_minutes": 0, "horizon_days": 60, "slot_step_minutes": 60,
         "daily_cap": None}


def test_the_rules_service_refuses_a_template_that_is_not_https(anna):
    with pytest.raises(InvalidInput):
        hours.save_rules(anna.id, languages=["de"], **RULES,
                         meeting_url="http://video.praxis.example/{room}")
    db.session.rollback()
    assert db.session.get(type(anna.rules), anna.id).meeting_url == TEMPLATE
