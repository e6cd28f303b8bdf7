"""Confirm, move, cancel, expire: what each step changes and which messages it queues."""

import contextlib
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from booking.errors import (
    FirstSessionAlreadyBooked,
    NotFound,
    SlotUnavailable,
    TooLateToChange,
)
from booking.extensions import db
from booking.models import BookingStatus, OutboxMessage
from booking.services import bookings
from booking.services.bookings import Visitor
from tests.conftest import FIXED_NOW
from tests.support import WEDNESDAY_9, berlin


@pytest.fixture
def therapist(make_therapist):
    return make_therapist()


def queued() -> list[tuple[str, str]]:
    return [(m.kind, m.payload["recipient"])
            for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_booking_queues_only_the_confirm_your_email_message(therapist, make_booking):
    make_booking(therapist)
    assert queued() == [("confirm_request", "visitor")]


def test_confirming_queues_invites_for_visitor_partner_and_therapist(
        therapist, make_booking, token_of, policy):
    booking = make_booking(therapist, partner_email="sam@example.org", partner_name="Sam")
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    assert booking.status is BookingStatus.CONFIRMED
    assert queued()[1:] == [("booking_confirmed", "visitor"), ("booking_confirmed", "partner"),
                            ("new_booking", "therapist")]


def test_confirming_twice_changes_nothing_the_second_time(
        therapist, make_booking, token_of, policy):
    booking = make_booking(therapist)
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    assert len(queued()) == 3


def test_a_lapsed_hold_cannot_be_confirmed(therapist, make_booking, token_of, policy):
    booking = make_booking(therapist)
    with pytest.raises(SlotUnavailable):
        bookings.confirm_booking(token_of(booking), now=FIXED_NOW + policy.hold, policy=policy)
    db.session.refresh(booking)
    assert booking.status is BookingStatus.PENDING


def test_a_reminder_is_queued_for_its_time_only_when_asked_for(make_booking, token_of, policy):
    asked = make_booking(reminder_requested=True)
    bookings.confirm_booking(token_of(asked), now=FIXED_NOW, policy=policy)
    not_asked = make_booking(email="lou@example.org")
    bookings.confirm_booking(token_of(not_asked), now=FIXED_NOW, policy=policy)
    # Booked less than a day ahead: the reminder time has passed already.
    too_soon = make_booking(start=berlin("2026-06-02", "09:00"), email="al@example.org",
                            reminder_requested=True)
    bookings.confirm_booking(token_of(too_soon), now=FIXED_NOW, policy=policy)
    reminders = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "reminder")).all()
    assert [(r.booking_id, r.due_at) for r in reminders] == [
        (asked.id, WEDNESDAY_9 - policy.reminder_before)]


@pytest.mark.parametrize("address", ["KIM@Example.org", "kim+paar@example.org"])
def test_one_free_first_consultation_per_person(address, make_booking):
    make_booking()
    with pytest.raises(FirstSessionAlreadyBooked):
        make_booking(email=address)


def test_gmail_dots_and_tags_do_not_make_a_second_person(make_booking):
    make_booking(email="kim.example@gmail.com")
    with pytest.raises(FirstSessionAlreadyBooked):
        make_booking(email="KimExample+neu@googlemail.com")


def test_a_refused_second_free_consultation_rolls_back_whole_and_is_explained_after(
        make_booking, make_therapist, first_session, policy):
    """The refused booking's transaction never commits halfway (that would release the
    schedule lock before the refusal); the explanation is queued in its own after it."""
    make_booking()
    other_id, session_type_id = make_therapist().id, first_session.id
    db.session.rollback()  # no transaction open: the first to end is the booking's
    with transaction_ends() as ends, pytest.raises(FirstSessionAlreadyBooked):
        bookings.book_slot(therapist_id=other_id, session_type_id=session_type_id,
                           start=WEDNESDAY_9, visitor=Visitor("Kim Beispiel", "kim@example.org"),
                           now=FIXED_NOW, policy=policy)
    assert ends == ["rollback", "commit"]
    assert queued() == [("confirm_request", "visitor"), ("already_booked", "visitor")]


@contextlib.contextmanager
def transaction_ends() -> Iterator[list[str]]:
    """How each database transaction the block runs ends, in order."""
    ends: list[str] = []
    listeners = {"commit": lambda _: ends.append("commit"),
                 "rollback": lambda _: ends.append("rollback")}
    for name, listener in listeners.items():
        event.listen(db.engine, name, listener)
    try:
        yield ends
    finally:
        for name, listener in listeners.items():
            event.remove(db.engine, name, listener)


def test_a_cancelled_or_expired_first_consultation_does_not_count(make_booking, token_of, policy):
    cancelled = make_booking()
    bookings.cancel_by_visitor(token_of(cancelled), reason="", now=FIXED_NOW, policy=policy)
    make_booking(now=FIXED_NOW)  # lapses after the hold
    make_booking(now=FIXED_NOW + policy.hold)


def test_an_attended_first_consultation_counts_even_when_past(
        clock, make_booking, token_of, policy):
    done = make_booking()
    bookings.confirm_booking(token_of(done), now=FIXED_NOW, policy=policy)
    done.complete(WEDNESDAY_9 + timedelta(hours=1))
    db.session.commit()
    with pytest.raises(FirstSessionAlreadyBooked):
        make_booking(start=berlin("2026-06-10", "09:00"), now=WEDNESDAY_9 + timedelta(days=1))


def test_cancelling_a_confirmed_booking_sends_cancel_to_everyone_with_the_invite(
        therapist, make_booking, token_of, policy):
    booking = make_booking(therapist)
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    bookings.cancel_by_visitor(token_of(booking), reason="krank", now=FIXED_NOW, policy=policy)
    assert booking.status is BookingStatus.CANCELLED
    assert booking.sequence == 1
    assert queued()[-2:] == [("booking_cancelled", "visitor"), ("booking_cancelled", "therapist")]


def test_cancelling_a_pending_booking_tells_only_the_visitor(
        therapist, make_booking, token_of, policy):
    booking = make_booking(therapist)
    bookings.cancel_by_visitor(token_of(booking), reason="", now=FIXED_NOW, policy=policy)
    assert queued()[-1] == ("booking_cancelled", "visitor")
    assert len(queued()) == 2


def test_online_changes_close_at_the_cutoff(therapist, make_booking, token_of, policy):
    booking = make_booking(therapist)
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    late = berlin("2026-06-02", "09:01")
    with pytest.raises(TooLateToChange):
        bookings.cancel_by_visitor(token_of(booking), reason="", now=late, policy=policy)
    with pytest.raises(TooLateToChange):
        bookings.reschedule_by_visitor(token_of(booking), start=berlin("2026-06-03", "09:00"),
                                       now=late, policy=policy)
    assert booking.can_visitor_change(late - timedelta(minutes=1), policy.change_cutoff)
    db.session.refresh(booking)
    assert (booking.status, booking.start_utc) == (BookingStatus.CONFIRMED, WEDNESDAY_9)


def test_rescheduling_keeps_identity_and_uid_and_raises_the_sequence(
        make_therapist, make_booking, token_of, policy):
    therapist = make_therapist(slot_step_minutes=30, buffer_after_minutes=10)
    booking = make_booking(therapist)
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    uid, public_id = booking.ical_uid, booking.public_id
    # Half an hour later overlaps only the booking's own old time: that is allowed.
    later = WEDNESDAY_9 + timedelta(minutes=30)
    moved = bookings.reschedule_by_visitor(token_of(booking), start=later, now=FIXED_NOW,
                                           policy=policy)
    assert (moved.ical_uid, moved.public_id, moved.sequence) == (uid, public_id, 1)
    assert (moved.start_utc, moved.blocked_end_utc) == (later, later + timedelta(minutes=60))
    assert queued()[-2:] == [("booking_rescheduled", "visitor"),
                             ("booking_rescheduled", "therapist")]


def test_rescheduling_onto_a_taken_time_changes_nothing(therapist, make_booking, token_of, policy):
    mine = make_booking(therapist)
    make_booking(therapist, start=WEDNESDAY_9 + timedelta(hours=1), email="x@example.org")
    with pytest.raises(SlotUnavailable):
        bookings.reschedule_by_visitor(token_of(mine), start=WEDNESDAY_9 + timedelta(hours=1),
                                       now=FIXED_NOW, policy=policy)
    db.session.refresh(mine)
    assert (mine.start_utc, mine.sequence) == (WEDNESDAY_9, 0)


def test_the_sweep_expires_lapsed_holds_and_tells_the_visitor(therapist, make_booking, policy):
    booking = make_booking(therapist)
    assert bookings.expire_all_lapsed(FIXED_NOW + policy.hold - timedelta(seconds=1)) == 0
    assert bookings.expire_all_lapsed(FIXED_NOW + policy.hold) == 1
    db.session.refresh(booking)
    assert booking.status is BookingStatus.EXPIRED
    assert queued()[-1] == ("booking_expired", "visitor")


def test_a_therapist_cancels_with_a_message_for_the_visitor(
        therapist, make_booking, token_of, policy):
    booking = make_booking(therapist)
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    bookings.cancel_by_therapist(booking.id, therapist_id=therapist.id,
                                 message="Ich bin leider erkrankt.", now=FIXED_NOW)
    assert (booking.status, booking.cancel_reason) == (BookingStatus.CANCELLED,
                                                        "Ich bin leider erkrankt.")
    cancellations = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "booking_cancelled")).all()
    assert {(m.payload["recipient"], m.payload["by"]) for m in cancellations} == {
        ("visitor", "therapist"), ("therapist", "therapist")}


def test_a_therapist_cannot_cancel_another_therapists_booking(
        make_therapist, therapist, make_booking):
    booking = make_booking(therapist)
    other = make_therapist()
    with pytest.raises(NotFound):
        bookings.cancel_by_therapist(booking.id, therapist_id=other.id, message="",
                                     now=FIXED_NOW)
    db.session.refresh(booking)
    assert booking.status is BookingStatus.PENDING


def test_moving_to_the_same_time_changes_nothing_and_sends_nothing(
        therapist, make_booking, token_of, policy):
    booking = make_booking(therapist)
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    before = queued()
    bookings.reschedule_by_visitor(token_of(booking), start=WEDNESDAY_9, now=FIXED_NOW,
                                   policy=policy)
    assert (booking.sequence, queued()) == (0, before)


def test_the_therapist_learns_the_old_time_of_a_moved_booking(
        therapist, make_booking, token_of, policy):
    booking = make_booking(therapist)
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    bookings.reschedule_by_visitor(token_of(booking), start=WEDNESDAY_9 + timedelta(hours=1),
                                   now=FIXED_NOW, policy=policy)
    [told] = [m for m in db.session.scalars(select(OutboxMessage))
              if m.kind == "booking_rescheduled" and m.payload["recipient"] == "therapist"]
    assert datetime.fromisoformat(told.payload["previous_start"]) == WEDNESDAY_9
