"""The booking life cycle as the model enforces it (no database needed)."""

from datetime import UTC, datetime, timedelta

import pytest

from booking.errors import InvalidTransition
from booking.models import Booking, BookingStatus
from booking.models.booking import changes_closed
from booking.services.bookings import Policy

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
START = NOW + timedelta(days=2)


def booking(status=BookingStatus.CONFIRMED, hold_until=None, sequence=0) -> Booking:
    return Booking(
        status=status, hold_until=hold_until, sequence=sequence,
        start_utc=START, end_utc=START + timedelta(minutes=50),
        blocked_start_utc=START, blocked_end_utc=START + timedelta(minutes=60),
    )


def test_a_pending_booking_holds_its_slot_only_until_its_hold_lapses():
    pending = booking(BookingStatus.PENDING, hold_until=NOW + timedelta(minutes=30))
    assert pending.occupies_time(NOW + timedelta(minutes=29))
    assert not pending.occupies_time(NOW + timedelta(minutes=30))


def test_confirming_within_the_hold_confirms_and_releases_the_hold():
    pending = booking(BookingStatus.PENDING, hold_until=NOW + timedelta(minutes=30))
    pending.confirm(NOW + timedelta(minutes=10))
    assert pending.status is BookingStatus.CONFIRMED
    assert pending.hold_until is None
    assert pending.confirmed_at == NOW + timedelta(minutes=10)
    assert pending.occupies_time(START)


def test_a_lapsed_hold_cannot_be_confirmed_but_can_expire():
    pending = booking(BookingStatus.PENDING, hold_until=NOW)
    assert not pending.can_confirm(NOW)
    with pytest.raises(InvalidTransition):
        pending.confirm(NOW)
    pending.expire(NOW)
    assert pending.status is BookingStatus.EXPIRED
    assert not pending.occupies_time(NOW)


def test_a_live_hold_does_not_expire():
    pending = booking(BookingStatus.PENDING, hold_until=NOW + timedelta(minutes=1))
    with pytest.raises(InvalidTransition):
        pending.expire(NOW)


def test_cancelling_frees_the_time_and_raises_the_calendar_sequence():
    confirmed = booking(sequence=2)
    confirmed.cancel(NOW, reason="Termin passt nicht")
    assert confirmed.status is BookingStatus.CANCELLED
    assert confirmed.sequence == 3
    assert confirmed.cancel_reason == "Termin passt nicht"
    assert not confirmed.occupies_time(NOW)


@pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.EXPIRED,
                                    BookingStatus.COMPLETED, BookingStatus.NO_SHOW])
def test_a_finished_booking_cannot_be_cancelled_or_moved(status):
    finished = booking(status)
    assert not finished.can_cancel(NOW)
    assert not finished.can_reschedule(NOW)
    with pytest.raises(InvalidTransition):
        finished.cancel(NOW)


def test_rescheduling_moves_the_time_and_raises_the_sequence_keeping_identity():
    confirmed = booking()
    confirmed.ical_uid = "uid@example"
    later = START + timedelta(days=1)
    confirmed.reschedule(later, later + timedelta(minutes=50),
                         later, later + timedelta(minutes=60), NOW)
    assert confirmed.start_utc == later
    assert (confirmed.sequence, confirmed.ical_uid) == (1, "uid@example")


def test_a_started_booking_cannot_be_moved():
    assert not booking().can_reschedule(START)


def test_visitors_may_change_online_only_until_the_cutoff():
    confirmed = booking()
    cutoff = timedelta(hours=24)
    assert confirmed.can_visitor_change(START - cutoff, cutoff)
    assert not confirmed.can_visitor_change(START - cutoff + timedelta(seconds=1), cutoff)


def test_completion_and_no_show_are_marked_only_once_the_session_began():
    confirmed = booking()
    with pytest.raises(InvalidTransition):
        confirmed.complete(START - timedelta(minutes=1))
    confirmed.mark_no_show(START + timedelta(minutes=5))
    assert confirmed.status is BookingStatus.NO_SHOW


# Each status as the predicates see it at NOW; a pending one with its hold still
# running ("fresh") or run out ("lapsed", before any sweep marks it expired).
EVERY_STATUS = {
    "pending fresh": (BookingStatus.PENDING, NOW + timedelta(minutes=1)),
    "pending lapsed": (BookingStatus.PENDING, NOW),
    "confirmed": (BookingStatus.CONFIRMED, None),
    "cancelled": (BookingStatus.CANCELLED, None),
    "expired": (BookingStatus.EXPIRED, None),
    "completed": (BookingStatus.COMPLETED, None),
    "no-show": (BookingStatus.NO_SHOW, None),
}
LIVE = {"pending fresh", "confirmed"}


@pytest.mark.parametrize("name", EVERY_STATUS)
def test_only_a_confirmed_booking_or_a_running_hold_is_live(name):
    status, hold_until = EVERY_STATUS[name]
    assert booking(status, hold_until=hold_until).is_live(NOW) is (name in LIVE)


@pytest.mark.parametrize("name", EVERY_STATUS)
def test_only_a_pending_booking_whose_hold_ran_out_has_lapsed(name):
    status, hold_until = EVERY_STATUS[name]
    assert booking(status, hold_until=hold_until).lapsed(NOW) is (name == "pending lapsed")


@pytest.mark.parametrize("name", EVERY_STATUS)
def test_visitors_may_change_online_only_a_live_booking(name):
    status, hold_until = EVERY_STATUS[name]
    cutoff = timedelta(hours=24)
    assert booking(status, hold_until=hold_until).can_visitor_change(NOW, cutoff) is (
        name in LIVE)


def test_a_booking_is_no_longer_live_once_its_session_is_over_and_marked():
    confirmed = booking()
    assert confirmed.is_live(START + timedelta(minutes=5))
    confirmed.complete(START + timedelta(minutes=5))
    assert not confirmed.is_live(START + timedelta(minutes=5))


def test_online_changes_close_the_cutoff_before_the_start():
    cutoff = timedelta(hours=24)
    assert not changes_closed(START, START - cutoff, cutoff)
    assert changes_closed(START, START - cutoff + timedelta(seconds=1), cutoff)
    assert changes_closed(START, START, cutoff)


def test_the_policy_closes_online_changes_at_its_cutoff():
    policy = Policy(uid_domain="termine.praxis.example", link_secret="secret",
                    change_cutoff=timedelta(hours=12))
    assert not policy.changes_closed(START, START - timedelta(hours=12))
    assert policy.changes_closed(START, START - timedelta(hours=12) + timedelta(seconds=1))
