
"""Booking a slot: re-checked by the one slot engine, safe under concurrency."""

import threading
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from booking.errors import FirstSessionAlreadyBooked, SlotUnavailable
from booking.extensions import db
from booking.models import Booking, BookingStatus
from booking.services import schedule
from booking.services.bookings import Visitor, book_slot
from booking.tokens import manage_token, token_hash
from tests.conftest import FIXED_NOW
from tests.support import at_once, berlin

TUESDAY_9 = berlin("2026-06-02", "09:00")


def active_bookings() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Booking).where(Booking.status == BookingStatus.PENDING)
    )


def test_booking_an_offered_slot_makes_a_pending_booking_that_holds_it(
        make_therapist, make_booking, policy):
    therapist = make_therapist(buffer_after_minutes=10)
    booking = make_booking(therapist, start=TUESDAY_9)
    assert booking.status is BookingStatus.PENDING
    assert booking.hold_until == FIXED_NOW + policy.hold
    assert (booking.start_utc, booking.end_utc) == (TUESDAY_9, TUESDAY_9 + timedelta(minutes=50))
    assert booking.blocked_end_utc == TUESDAY_9 + timedelta(minutes=60)
    assert booking.ical_uid.endswith(f"@{policy.uid_domain}")
    token = manage_token("test-secret-key", booking.public_id)
    assert booking.manage_token_hash == token_hash(token)
    assert token not in (booking.public_id, booking.manage_token_hash)


def test_a_start_the_engine_does_not_offer_is_refused_and_nothing_is_written(
        make_therapist, make_booking):
    therapist = make_therapist()
    for start in (TUESDAY_9 + timedelta(minutes=7),        # off the slot grid
                  berlin("2026-06-06", "10:00"),            # a Saturday
                  FIXED_NOW - timedelta(hours=1)):          # in the past
        with pytest.raises(SlotUnavailable):
            make_booking(therapist, start=start)
    assert active_bookings() == 0


def test_a_taken_slot_is_refused(make_therapist, make_booking):
    therapist = make_therapist()
    make_booking(therapist, start=TUESDAY_9)
    with pytest.raises(SlotUnavailable):
        make_booking(therapist, start=TUESDAY_9, email="other@example.org")
    assert active_bookings() == 1


def test_a_lapsed_pending_hold_frees_the_slot_without_any_sweep(
        make_therapist, make_booking, policy):
    therapist = make_therapist()
    first = make_booking(therapist, start=TUESDAY_9)
    second = make_booking(therapist, start=TUESDAY_9, now=FIXED_NOW + policy.hold,
                          email="other@example.org")
    db.session.refresh(first)
    assert first.status is BookingStatus.EXPIRED
    assert second.status is BookingStatus.PENDING


def test_a_schedule_read_before_the_lock_is_not_trusted_once_the_therapist_changed_it(
        make_therapist, first_session, policy):
    therapist = make_therapist()
    seen = schedule.bookable(therapist, first_session)
    assert seen is not None
    for hours in [h for h in therapist.working_hours if h.weekday == TUESDAY_9.weekday()]:
        therapist.working_hours.remove(hours)  # no Tuesdays any more
    db.session.commit()
    with pytest.raises(SlotUnavailable):
        book_slot(therapist_id=therapist.id, session_type_id=first_session.id, start=TUESDAY_9,
                  visitor=Visitor(name="Kim Beispiel", email="kim@example.org"),
                  now=FIXED_NOW, policy=policy, seen=seen)
    assert active_bookings() == 0


def test_an_overlap_the_re_check_missed_is_refused_by_the_database_as_just_taken(
        app, make_therapist, make_booking, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's (SQLite has one writer)")
    therapist = make_therapist()
    make_booking(therapist, start=TUESDAY_9)
    monkeypatch.setattr(schedule, "offers", lambda *args, **kwargs: True)  # a missed overlap
    with pytest.raises(SlotUnavailable):
        make_booking(therapist, start=TUESDAY_9, email="other@example.org")
    assert active_bookings() == 1


def test_the_same_idempotency_key_books_once(make_therapist, make_booking):
    therapist = make_therapist()
    first = make_booking(therapist, start=TUESDAY_9, idempotency_key="form-123")
    again = make_booking(therapist, start=TUESDAY_9, idempotency_key="form-123")
    assert again.id == first.id
    assert active_bookings() == 1


def race(app, policy, therapist_id, session_type_id, starts) -> list[str]:
    """Book each start from its own thread and connection, all released at once."""
    barrier = threading.Barrier(len(starts))
    outcomes: list[str] = []

    def contend(n: int, start) -> None:
        with app.app_context():
            barrier.wait()
            try:
                book_slot(therapist_id=therapist_id, session_type_id=session_type_id, start=start,
                          visitor=Visitor(name=f"V{n}", email=f"v{n}@example.org"),
                          now=FIXED_NOW, policy=policy)
                outcomes.append("booked")
            except SlotUnavailable:
                outcomes.append("taken")
            finally:
                db.session.remove()

    at_once(*(partial(contend, *pair) for pair in enumerate(starts)))
    db.session.rollback()  # end this thread's read snapshot, to see what the others wrote
    return sorted(outcomes)


def test_concurrent_bookings_of_one_slot_let_exactly_one_win(
        app, policy, make_therapist, first_session):
    therapist = make_therapist()
    outcomes = race(app, policy, therapist.id, first_session.id, [TUESDAY_9] * 8)
    assert outcomes == ["booked"] + ["taken"] * 7
    assert active_bookings() == 1


def test_concurrent_overlapping_bookings_let_exactly_one_win(
        app, policy, make_therapist, first_session):
    # 09:00 and 09:30 overlap through the 50-minute session and the buffer.
    therapist = make_therapist(slot_step_minutes=30, buffer_after_minutes=10)
    starts = [TUESDAY_9, TUESDAY_9 + timedelta(minutes=30)] * 4
    assert race(app, policy, therapist.id, first_session.id, starts) == (
        ["booked"] + ["taken"] * 7)


def test_concurrent_bookings_of_one_day_respect_the_daily_cap(
        app, policy, make_therapist, first_session):
    # Different, non-overlapping times: only the lock, not the overlap rule, keeps the cap.
    therapist = make_therapist(daily_cap=1)
    starts = [TUESDAY_9 + timedelta(hours=n) for n in (0, 1, 2, 5, 6, 7)]
    assert race(app, policy, therapist.id, first_session.id, starts) == (
        ["booked"] + ["taken"] * 5)


@pytest.mark.parametrize("read_before", [False, True], ids=["read-in-the-lock", "read-before"])
def test_one_person_booking_several_therapists_at_once_gets_one_free_consultation(
        app, policy, make_therapist, first_session, read_before):
    team = [make_therapist() for _ in range(8)]
    # As the form does: the therapist's schedule read before the lock, and re-used.
    seen = {t.id: schedule.bookable(t, first_session) if read_before else None for t in team}
    ids, session_type_id = [t.id for t in team], first_session.id
    db.session.rollback()
    barrier = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def book(therapist_id: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                book_slot(therapist_id=therapist_id, session_type_id=session_type_id,
                          start=TUESDAY_9, now=FIXED_NOW, policy=policy,
                          visitor=Visitor(name="Kim", email="kim@example.org"),
                          seen=seen[therapist_id])
                outcomes.append("booked")
            except FirstSessionAlreadyBooked:
                outcomes.append("refused")
            finally:
                db.session.remove()

    at_once(*(partial(book, therapist_id) for therapist_id in ids))
    assert sorted(outcomes) == ["booked"] + ["refused"] * (len(ids) - 1)


def test_a_double_click_racing_itself_books_once_and_both_get_the_booking(
        app, policy, make_therapist, first_session):
    therapist_id, session_type_id = make_therapist().id, first_session.id
    barrier = threading.Barrier(2)
    found: list[int] = []

    def click() -> None:
        with app.app_context():
            barrier.wait()
            booking = book_slot(therapist_id=therapist_id, session_type_id=session_type_id,
                                start=TUESDAY_9, now=FIXED_NOW, policy=policy,
                                visitor=Visitor(name="Kim", email="kim@example.org"),
                                idempotency_key="same-form")
            found.append(booking.id)
            db.session.remove()

    at_once(click, click)
    assert len(found) == 2 and found[0] == found[1]
