
"""What the practice admin can do to bookings: hand them over, cancel them, allow a
second free first consultation; and the status history every step leaves."""

import contextlib
import threading
from datetime import timedelta
from email.utils import parseaddr
from functools import partial

import icalendar
import pytest
from sqlalchemy import select

from booking.errors import (
    FirstSessionAlreadyBooked,
    InvalidTransition,
    NotFound,
    SlotUnavailable,
)
from booking.extensions import db
from booking.models import Booking, BookingStatus, OutboxMessage, TimeOff
from booking.services import bookings, erasure, handover, notifications, waivers
from booking.settings import Retention, settings_of
from tests.conftest import FIXED_NOW
from tests.support import WEDNESDAY_9, at_once, policy_of


def history(booking) -> list[tuple[str, str]]:
    return [(e.kind.value, e.actor.value) for e in bookings.history(booking)]


def messages_since(first_id: int) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id > first_id).order_by(OutboxMessage.id)))


def last_message_id() -> int:
    return db.session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())) or 0


@pytest.fixture
def anna(make_therapist):
    therapist = make_therapist()
    therapist.display_name = "Anna Alt"
    db.session.commit()
    return therapist


@pytest.fixture
def ben(make_therapist):
    therapist = make_therapist()
    therapist.display_name = "Ben Neu"
    db.session.commit()
    return therapist


def test_every_step_of_a_booking_is_in_its_history_with_who_did_it(
        anna, make_booking, token_of, policy):
    booking = make_booking(anna, confirmed=True)
    bookings.reschedule_by_visitor(token_of(booking), start=WEDNESDAY_9 + timedelta(hours=1),
                                   now=FIXED_NOW, policy=policy)
    bookings.cancel_by_therapist(booking.id, therapist_id=anna.id, message="", now=FIXED_NOW)
    assert history(booking) == [("requested", "visitor"), ("confirmed", "visitor"),
                                ("rescheduled", "visitor"), ("cancelled", "therapist")]
    assert bookings.history(booking)[2].previous_start_utc == WEDNESDAY_9


def test_an_expired_hold_and_an_outcome_are_in_the_history(anna, make_booking):
    lapsed = make_booking(anna)
    bookings.expire_all_lapsed(FIXED_NOW + timedelta(hours=1))
    attended = make_booking(anna, start=WEDNESDAY_9 + timedelta(hours=2),
                            email="lou@example.org", confirmed=True)
    bookings.record_outcome(attended.id, therapist_id=anna.id, attended=False,
                            now=WEDNESDAY_9 + timedelta(hours=3))
    assert history(lapsed) == [("requested", "visitor"), ("expired", "system")]
    assert history(attended)[-1] == ("no_show", "therapist")


def test_a_handover_moves_the_booking_and_keeps_one_organizer_per_calendar_entry(
        app, anna, ben, make_booking):
    booking = make_booking(anna, partner_email="sam@example.org",
                           partner_name="Sam", confirmed=True)
    old_uid, before = booking.ical_uid, last_message_id()
    handover.reassign(booking.id, to_therapist_id=ben.id, now=FIXED_NOW)
    assert (booking.therapist_id, booking.status) == (ben.id, BookingStatus.CONFIRMED)
    assert booking.ical_uid != old_uid
    assert history(booking)[-1] == ("reassigned", "practice")
    assert bookings.history(booking)[-1].previous_therapist_id == anna.id

    sent = {}
    for message in messages_since(before):
        mail = notifications.render(message, now=FIXED_NOW, mail=settings_of(app).mail)
        part = next(p for p in mail.walk() if p.get_content_type() == "text/calendar")
        event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
        sent[(message.kind, message.payload["recipient"])] = (
            parseaddr(mail["To"])[1], part.get_param("method"), str(event["UID"]),
            str(event["ORGANIZER"]))
        assert event["SEQUENCE"] == 1  # above the 0 the old entry had in calendars
        text = mail.get_body(("plain",)).get_content()
        if message.payload["recipient"] == "visitor":  # the people, as the client reads
            assert "Mit: Ben Neu" in text, message.kind
    assert sent == {
        ("booking_cancelled", "visitor"): ("kim@example.org", "CANCEL",
                                           old_uid, f"mailto:{anna.email}"),
        ("booking_cancelled", "partner"): ("sam@example.org", "CANCEL", old_uid,
                                           f"mailto:{anna.email}"),
        ("booking_cancelled", "therapist"): (anna.email, "CANCEL", old_uid,
                                             f"mailto:{anna.email}"),
        ("booking_reassigned", "visitor"): ("kim@example.org", "REQUEST",
                                            booking.ical_uid, f"mailto:{ben.email}"),
        ("booking_reassigned", "partner"): ("sam@example.org", "REQUEST",
                                            booking.ical_uid, f"mailto:{ben.email}"),
        ("new_booking", "therapist"): (ben.email, "REQUEST", booking.ical_uid,
                                       f"mailto:{ben.email}"),
    }


def test_the_previous_therapists_private_note_does_not_go_with_the_booking(
        anna, ben, make_booking):
    booking = make_booking(anna)
    bookings.save_private_note(booking.id, therapist_id=anna.id, note="Nur für Anna",
                               now=FIXED_NOW)
    handover.reassign(booking.id, to_therapist_id=ben.id, now=FIXED_NOW)
    assert db.session.get(Booking, booking.id).private_note == ""


def test_a_pending_booking_is_handed_over_without_mail(anna, ben, make_booking):
    booking = make_booking(anna)
    before = last_message_id()
    handover.reassign(booking.id, to_therapist_id=ben.id, now=FIXED_NOW)
    assert booking.therapist_id == ben.id and messages_since(before) == []


def test_a_handover_to_a_colleague_who_is_busy_then_is_refused_and_changes_nothing(
        anna, make_therapist, make_booking):
    ben = make_therapist(slot_step_minutes=30)
    booking = make_booking(anna, confirmed=True)
    make_booking(ben, start=WEDNESDAY_9 + timedelta(minutes=30), email="lou@example.org")
    uid, before = booking.ical_uid, last_message_id()
    with pytest.raises(SlotUnavailable):
        handover.reassign(booking.id, to_therapist_id=ben.id, now=FIXED_NOW)
    db.session.rollback()
    assert (booking.therapist_id, booking.ical_uid) == (anna.id, uid)
    assert messages_since(before) == [] and history(booking)[-1] == ("confirmed", "visitor")


def test_a_handover_into_a_colleagues_time_off_is_refused(anna, ben, make_booking):
    booking = make_booking(anna)
    db.session.add(TimeOff(therapist=ben, start_utc=WEDNESDAY_9 - timedelta(hours=1),
                           end_utc=WEDNESDAY_9 + timedelta(hours=3)))
    db.session.commit()
    with pytest.raises(SlotUnavailable):
        handover.reassign(booking.id, to_therapist_id=ben.id, now=FIXED_NOW)


def test_a_handover_outside_the_colleagues_weekly_hours_is_allowed(
        anna, make_therapist, make_booking):
    weekend_only = make_therapist(weekdays=[5, 6])
    booking = make_booking(anna)
    handover.reassign(booking.id, to_therapist_id=weekend_only.id, now=FIXED_NOW)
    assert booking.therapist_id == weekend_only.id


def test_a_cancelled_booking_cannot_be_handed_over(anna, ben, make_booking):
    booking = make_booking(anna)
    bookings.cancel_by_practice(booking.id, message="", now=FIXED_NOW)
    with pytest.raises(InvalidTransition):
        handover.reassign(booking.id, to_therapist_id=ben.id, now=FIXED_NOW)


def test_the_practice_cancels_with_a_message_that_reaches_the_client(anna, make_booking):
    booking = make_booking(anna, confirmed=True)
    before = last_message_id()
    bookings.cancel_by_practice(booking.id, message="Frau Alt ist erkrankt.", now=FIXED_NOW)
    assert booking.status is BookingStatus.CANCELLED
    assert history(booking)[-1] == ("cancelled", "practice")
    assert [(m.kind, m.payload["recipient"], m.payload["by"])
            for m in messages_since(before)] == [("booking_cancelled", "visitor", "practice"),
                                                 ("booking_cancelled", "therapist", "practice")]


def test_an_exception_allows_exactly_one_more_free_first_consultation(anna, make_booking):
    make_booking(anna, email="Kim@Example.org")
    with pytest.raises(FirstSessionAlreadyBooked):
        make_booking(anna, start=WEDNESDAY_9 + timedelta(hours=1))
    waivers.grant(email="kim+paar@example.org", note="Termin verpasst", granted_by_id=anna.id,
                  now=FIXED_NOW)
    second = make_booking(anna, start=WEDNESDAY_9 + timedelta(hours=1))
    assert second.status is BookingStatus.PENDING
    with pytest.raises(FirstSessionAlreadyBooked):
        make_booking(anna, start=WEDNESDAY_9 + timedelta(hours=2))


def test_a_revoked_exception_no_longer_allows_another(anna, make_booking):
    make_booking(anna)
    waiver = waivers.grant(email="kim@example.org", note="", granted_by_id=anna.id,
                           now=FIXED_NOW)
    waivers.revoke(waiver.id)
    with pytest.raises(FirstSessionAlreadyBooked):
        make_booking(anna, start=WEDNESDAY_9 + timedelta(hours=1))


def test_a_hand_over_and_the_clients_cancellation_at_once_never_revive_the_booking(
        app, make_therapist, make_booking, token_of):
    """Whichever comes first, the other sees its result: a cancelled booking is never
    handed over afterwards (and never gets a new invitation)."""
    for round_ in range(4):
        anna, ben = make_therapist(), make_therapist()
        booking = make_booking(anna, email=f"race{round_}@example.org", confirmed=True)
        hand_over_while_cancelling(app, booking.id, ben.id, token_of(booking))
        db.session.rollback()
        steps = [kind for kind, _ in history(db.session.get(Booking, booking.id))]
        assert steps[-1] == "cancelled", steps


def hand_over_while_cancelling(app, booking_id: int, to_therapist_id: int, token: str) -> None:
    """The admin hands over and the client cancels, each from its own thread and
    connection, released at once."""
    barrier = threading.Barrier(2)

    def hand_over() -> None:
        with app.app_context():
            barrier.wait()
            with contextlib.suppress(InvalidTransition, SlotUnavailable):
                handover.reassign(booking_id, to_therapist_id=to_therapist_id, now=FIXED_NOW)
            db.session.remove()

    def cancel() -> None:
        with app.app_context():
            barrier.wait()
            bookings.cancel_by_visitor(token, reason="", now=FIXED_NOW, policy=policy_of(app))
            db.session.remove()

    at_once(hand_over, cancel)


def test_two_hand_overs_of_one_booking_at_once_let_exactly_one_win(
        app, make_therapist, make_booking, monkeypatch):
    """Two admins hand the same booking to two colleagues at once. Both read its
    therapist before either takes the schedule lock; the later one then finds it
    handed over already and is refused, instead of handing it on in the name of the
    wrong therapist (a second set of invitations, a cancellation for the wrong calendar)."""
    anna, ben, cleo = make_therapist(), make_therapist(), make_therapist()
    booking_id = make_booking(anna, confirmed=True).id
    before = last_message_id()
    both_have_read = threading.Barrier(2)
    read_booking = handover.any_booking

    def read_then_wait(booking_id: int) -> Booking:
        # The unlucky interleaving, every time: each has read before either locks.
        found = read_booking(booking_id)
        both_have_read.wait()
        return found

    monkeypatch.setattr(handover, "any_booking", read_then_wait)
    outcomes = hand_over_at_once(app, booking_id, [ben.id, cleo.id])

    db.session.rollback()
    assert sorted(outcomes.values()) == ["handed over", "refused"]
    winner = next(who for who, outcome in outcomes.items() if outcome == "handed over")
    assert db.session.get(Booking, booking_id).therapist_id == winner
    assert [(m.kind, m.payload["recipient"]) for m in messages_since(before)] == [
        ("booking_cancelled", "visitor"), ("booking_cancelled", "therapist"),
        ("booking_reassigned", "visitor"), ("new_booking", "therapist")]
    assert [kind for kind, _ in history(db.session.get(Booking, booking_id))].count(
        "reassigned") == 1


def hand_over_at_once(app, booking_id: int, to_therapist_ids: list[int]) -> dict[int, str]:
    """Hand the booking to each of the colleagues, each from its own thread and
    connection, released at once; what became of each."""
    outcomes: dict[int, str] = {}

    def hand_over(to_therapist_id: int) -> None:
        with app.app_context():
            try:
                handover.reassign(booking_id, to_therapist_id=to_therapist_id, now=FIXED_NOW)
                outcomes[to_therapist_id] = "handed over"
            except (InvalidTransition, SlotUnavailable):
                outcomes[to_therapist_id] = "refused"
            finally:
                db.session.remove()

    at_once(*(partial(hand_over, to) for to in to_therapist_ids))
    return outcomes


def test_erasing_deletes_what_the_client_told_us_and_keeps_time_and_source(
        anna, make_booking, token_of):
    booking = make_booking(anna, partner_name="Sam", partner_email="sam@example.org",
                           phone="+49 30 1234567", message="Wir streiten viel.",
                           cta_source="artikel-streit")
    bookings.save_private_note(booking.id, therapist_id=anna.id, note="Rückruf", now=FIXED_NOW)
    waivers.grant(email="kim@example.org", note="", granted_by_id=anna.id, now=FIXED_NOW)
    bookings.cancel_by_practice(booking.id, message="Frau Alt ist erkrankt.", now=FIXED_NOW)
    link = token_of(booking)
    erasure.erase_personal_data(booking.id, now=FIXED_NOW)
    db.session.rollback()
    erased = db.session.get(Booking, booking.id)
    personal = (erased.visitor_name, erased.visitor_email, erased.visitor_email_key,
                erased.visitor_phone, erased.partner_name, erased.partner_email,
                erased.message, erased.cancel_reason, erased.private_note)
    assert personal == ("",) * 9
    assert (erased.start_utc, erased.cta_source, erased.therapist_id) == (
        WEDNESDAY_9, "artikel-streit", anna.id)
    assert history(erased)[-1] == ("erased", "practice")
    assert waivers.all_waivers() == []
    waiting = [m for m in db.session.scalars(select(OutboxMessage)) if m.status.value == "queued"]
    assert waiting and all(notifications.is_obsolete(m) for m in waiting)  # never rendered
    with pytest.raises(NotFound):
        bookings.find_by_token(link)


def test_an_upcoming_booking_is_cancelled_before_its_data_can_be_erased(anna, make_booking):
    booking = make_booking(anna, confirmed=True)
    with pytest.raises(InvalidTransition):
        erasure.erase_personal_data(booking.id, now=FIXED_NOW)
    db.session.rollback()
    assert db.session.get(Booking, booking.id).visitor_name == "Kim Beispiel"


def test_erasing_a_lapsed_reservation_tidies_it_without_a_mail_to_nobody(anna, make_booking):
    booking = make_booking(anna)
    before = last_message_id()
    later = FIXED_NOW + timedelta(hours=1)  # the 30-minute hold has lapsed
    erasure.erase_personal_data(booking.id, now=later)
    assert bookings.expire_all_lapsed(later) == 0
    assert db.session.get(Booking, booking.id).status is BookingStatus.EXPIRED
    assert messages_since(before) == []


def test_mail_queued_before_the_erasure_is_never_sent_and_a_second_erasure_is_harmless(
        app, anna, make_booking):
    booking = make_booking(anna)  # its confirm-your-email mail is queued
    bookings.cancel_by_practice(booking.id, message="", now=FIXED_NOW)
    erasure.erase_personal_data(booking.id, now=FIXED_NOW)
    erasure.erase_personal_data(booking.id, now=FIXED_NOW)
    queued = db.session.scalars(select(OutboxMessage)).all()
    assert queued and all(notifications.is_obsolete(message) for message in queued)


def test_old_bookings_lose_their_personal_data_after_the_retention_time(anna, make_booking):
    old = make_booking(anna, confirmed=True)
    recent = make_booking(anna, start=WEDNESDAY_9 + timedelta(hours=1), email="lou@example.org",
                          confirmed=True)
    recent.updated_at = FIXED_NOW + timedelta(days=200)  # changed long after its time
    db.session.commit()
    a_year_on = WEDNESDAY_9 + timedelta(days=366)
    assert erasure.erase_old(a_year_on, retention=Retention()) == 1
    db.session.rollback()
    assert db.session.get(Booking, old.id).visitor_name == ""
    assert history(db.session.get(Booking, old.id))[-1] == ("erased", "system")
    # changed 200 days later: counted from that change
    assert db.session.get(Booking, recent.id).visitor_name == "Kim Beispiel"
    assert erasure.erase_old(a_year_on, retention=Retention()) == 0
