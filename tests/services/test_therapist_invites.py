"""The therapist's copy of a calendar invitation: neutral unless they chose full details
(it lands in whatever calendar they use, often a cloud service elsewhere)."""

from __future__ import annotations

import icalendar
import pytest
import vobject

from booking.extensions import db
from booking.models import BookingStatus, FeedScope, MessageKind, Recipient
from booking.services import feeds
from booking.services.invites import ANONYMOUS_CLIENT
from tests.conftest import FIXED_NOW
from tests.services.test_messages import (  # noqa: F401 — booking_of is a fixture
    booking_of,
    handed_over,
    invite_of,
    render,
)

CLIENT_DETAILS = ("Kim Beispiel", "kim@example.org", "Sam Beispiel", "sam@example.org",
                  "+49 30 1234567", "Wir streiten viel.")
# What the calendar says does not depend on the database.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def unfolded(ics: bytes) -> str:
    """The object's text with folded lines joined and TEXT escapes undone, to search."""
    return ics.replace(b"\r\n ", b"").decode().replace("\\,", ",").replace("\\;", ";")


def vevent(ics: bytes):
    return icalendar.Calendar.from_ical(ics).walk("VEVENT")[0]


@pytest.fixture
def book(request):
    """Makes Kim Beispiel's booking with Dr. Anna Berger, as in the message snapshots
    (test_messages' booking_of)."""
    return request.getfixturevalue("booking_of")


def choose_full_details(therapist_id: int) -> None:
    feeds.set_full_details(therapist_id=therapist_id, full=True, secret_key="s", now=FIXED_NOW)
    db.session.commit()


@pytest.mark.parametrize("kind, details", [
    (MessageKind.NEW_BOOKING, {}),
    (MessageKind.RESCHEDULED, {"previous_start": "2026-06-02T07:00:00+00:00"}),
    (MessageKind.CANCELLED, {"by": "visitor", "with_invite": True}),
])
def test_by_default_the_therapists_entry_says_session_and_initials_and_links_the_workspace(
        app, book, kind, details):
    booking = book("en")
    if kind is MessageKind.CANCELLED:
        booking.cancel(FIXED_NOW)
        db.session.commit()
    ics = invite_of(render(app, booking, kind, Recipient.THERAPIST, **details))
    text = unfolded(ics)
    for detail in CLIENT_DETAILS:
        assert detail not in text
    event = vevent(ics)
    assert str(event["SUMMARY"]) == "Kostenfreies Erstgespräch · K. B."
    assert f"/workspace/bookings/{booking.id}" in str(event["DESCRIPTION"])
    assert "Details im Arbeitsbereich" in str(event["DESCRIPTION"])
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{ANONYMOUS_CLIENT}" and attendee.params["CN"] == "K. B."
    assert str(event["ORGANIZER"]) == f"mailto:{booking.therapist.email}"
    assert event["UID"] == booking.ical_uid
    assert vobject.readOne(ics.decode()).vevent.summary.value == str(event["SUMMARY"])


def test_a_therapist_who_chose_full_details_gets_them_in_the_entry_too(app, book):
    booking = book("de")
    choose_full_details(booking.therapist_id)
    event = vevent(invite_of(render(app, booking, MessageKind.NEW_BOOKING, Recipient.THERAPIST)))
    assert str(event["SUMMARY"]) == "Kostenfreies Erstgespräch · Kim Beispiel"
    description = str(event["DESCRIPTION"])
    assert all(detail in description for detail in
               ("kim@example.org", "+49 30 1234567", "Wir streiten viel.",
                f"/workspace/bookings/{booking.id}"))
    assert [str(a) for a in event["ATTENDEE"]] == ["mailto:kim@example.org",
                                                   "mailto:sam@example.org"]


def test_the_choice_of_one_therapist_is_theirs_alone(app, book, make_therapist):
    other = make_therapist()
    choose_full_details(other.id)
    assert feeds.settings_of(other.id).scope is FeedScope.THERAPIST
    text = unfolded(invite_of(render(app, book("de"), MessageKind.NEW_BOOKING,
                                     Recipient.THERAPIST)))
    assert "Kim Beispiel" not in text and "kim@example.org" not in text


def test_the_visitors_invitation_is_unchanged(app, book):
    booking = book("en")
    choose_full_details(booking.therapist_id)  # the therapist's choice is not the visitor's
    event = vevent(invite_of(render(app, booking, MessageKind.CONFIRMED, Recipient.VISITOR)))
    assert str(event["SUMMARY"]) == "First consultation with Dr. Anna Berger"
    assert "/workspace/" not in unfolded(invite_of(render(
        app, booking, MessageKind.CONFIRMED, Recipient.VISITOR)))
    assert [str(a) for a in event["ATTENDEE"]] == ["mailto:kim@example.org",
                                                   "mailto:sam@example.org"]


def test_the_mail_text_to_the_therapist_still_names_the_client(app, book):
    mail = render(app, book("de"), MessageKind.NEW_BOOKING, Recipient.THERAPIST)
    assert "Kim Beispiel" in mail.get_body(("plain",)).get_content()


def test_a_handed_over_therapists_cancellation_is_neutral_and_links_nowhere(
        app, book, make_therapist):
    booking = book("de")
    old_entry = handed_over(booking, make_therapist(), Recipient.THERAPIST)
    booking.status = BookingStatus.CONFIRMED
    ics = invite_of(render(app, booking, MessageKind.CANCELLED, Recipient.THERAPIST,
                           by="handover", with_invite=True, **old_entry))
    text = unfolded(ics)
    assert "Kim Beispiel" not in text and "kim@example.org" not in text
    assert "/workspace/" not in text
    assert vevent(ics)["UID"] == old_entry["uid"]
