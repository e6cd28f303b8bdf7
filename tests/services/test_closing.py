"""Closed days: public holidays of the practice's state and the closing periods the admin
enters. Nobody can book them; bookings made before stay and are named for the admin."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from booking.errors import InvalidInput, SlotUnavailable
from booking.extensions import db
from booking.models import Booking, BookingStatus
from booking.services import closing, schedule
from booking.services.bookings import Visitor, book_slot
from tests.conftest import FIXED_NOW
from tests.support import berlin, policy_of, reconfigure

CHRISTMAS_EVE_10 = berlin("2026-12-24", "10:00")  # a Thursday
CHRISTMAS_10 = berlin("2026-12-25", "10:00")  # a Friday
CORPUS_CHRISTI_10 = berlin("2026-06-04", "10:00")  # a holiday in NW, not in Berlin


@pytest.fixture
def year_ahead(make_therapist):
    """A therapist who may be booked a year ahead (the clock stands at June)."""
    return make_therapist(horizon_days=365)


def offered_days(therapist, session_type, first: str, last: str, holiday_state: str) -> set:
    slots = schedule.free_slots(therapist, session_type, now=FIXED_NOW,
                                start=berlin(first, "00:00"), end=berlin(last, "00:00"),
                                holiday_state=holiday_state)
    return {slot.start.date() for slot in slots}


@pytest.mark.parametrize("start", [CHRISTMAS_EVE_10, CHRISTMAS_10])
def test_christmas_eve_and_christmas_cannot_be_booked_in_berlin(year_ahead, make_booking,
                                                                  policy, start):
    assert policy.holiday_state == "BE"  # the default
    with pytest.raises(SlotUnavailable):
        make_booking(year_ahead, start=start)
    assert db.session.query(Booking).count() == 0


def test_the_days_around_christmas_stay_bookable(year_ahead, make_booking):
    assert make_booking(year_ahead, start=berlin("2026-12-23", "10:00")).status is (
        BookingStatus.PENDING)


def test_holidays_are_those_of_the_configured_state(make_therapist, first_session):
    therapist = make_therapist()
    assert date(2026, 6, 4) in offered_days(therapist, first_session, "2026-06-04",
                                            "2026-06-05", holiday_state="BE")
    assert offered_days(therapist, first_session, "2026-06-04", "2026-06-05",
                        holiday_state="NW") == set()


def book(therapist, session_type, start, policy) -> Booking:
    return book_slot(therapist_id=therapist.id, session_type_id=session_type.id, start=start,
                     visitor=Visitor(name="Kim Beispiel", email="kim@example.org"),
                     now=FIXED_NOW, policy=policy)


def test_a_booking_is_refused_on_a_holiday_of_the_configured_state(make_therapist,
                                                                   first_session, app):
    reconfigure(app, HOLIDAY_STATE="NW")
    with pytest.raises(SlotUnavailable):
        book(make_therapist(), first_session, CORPUS_CHRISTI_10, policy_of(app))
    reconfigure(app, HOLIDAY_STATE="BE")
    assert book(make_therapist(), first_session, CORPUS_CHRISTI_10, policy_of(app))


def test_an_empty_holiday_state_switches_holidays_off(year_ahead, first_session):
    assert date(2026, 12, 25) in offered_days(year_ahead, first_session, "2026-12-25",
                                              "2026-12-26", holiday_state="")


def test_a_closing_period_closes_every_day_in_it_for_the_whole_team(make_therapist,
                                                                    first_session):
    anna, ben = make_therapist(), make_therapist(timezone="Europe/London")
    closing.add_closing_period(first_day=date(2026, 6, 9), last_day=date(2026, 6, 10),
                               label="Teamtag", now=FIXED_NOW)
    for therapist in (anna, ben):
        days = offered_days(therapist, first_session, "2026-06-08", "2026-06-13",
                            holiday_state="BE")
        assert days == {date(2026, 6, 8), date(2026, 6, 11), date(2026, 6, 12)}


def test_closed_days_are_named_by_holiday_or_by_the_periods_label(app):
    closing.add_closing_period(first_day=date(2026, 12, 24), last_day=date(2027, 1, 1),
                               label="Weihnachtspause", now=FIXED_NOW)
    closing.add_closing_period(first_day=date(2027, 1, 4), last_day=date(2027, 1, 4),
                               label="", now=FIXED_NOW)
    named = closing.closed_days(date(2026, 12, 24), date(2027, 1, 4), holiday_state="BE")
    assert named[date(2026, 12, 25)] == "Erster Weihnachtstag"  # the holiday's own name
    assert named[date(2026, 12, 28)] == "Weihnachtspause"
    assert named[date(2027, 1, 4)] == "Praxis geschlossen"
    assert date(2027, 1, 2) not in named
    english = closing.closed_days(date(2026, 12, 25), date(2027, 1, 4), holiday_state="BE",
                                  locale="en")
    assert (english[date(2026, 12, 25)], english[date(2027, 1, 4)]) == (
        "Christmas Day", "Practice closed")


def test_closing_days_leave_bookings_inside_booked_and_name_them(make_therapist,
                                                                 make_booking):
    therapist = make_therapist()
    inside = make_booking(therapist, start=berlin("2026-06-10", "10:00"), confirmed=True,
                          email="inside@example.org")
    outside = make_booking(therapist, start=berlin("2026-06-12", "10:00"),
                           email="outside@example.org")
    period = closing.add_closing_period(first_day=date(2026, 6, 9),
                                        last_day=date(2026, 6, 10), label="", now=FIXED_NOW)
    assert closing.bookings_inside(period.id, now=FIXED_NOW) == [inside]
    listed = closing.bookings_on_closed_days(now=FIXED_NOW, holiday_state="BE")
    assert [(item.booking, item.closed_because) for item in listed] == [
        (inside, "Praxis geschlossen")]
    db.session.expire_all()
    assert inside.status is BookingStatus.CONFIRMED
    assert outside.status is BookingStatus.PENDING


def test_bookings_on_a_holiday_are_listed_for_the_admin(year_ahead, first_session, policy):
    # Booked while holidays were off: it stays, and the admin sees it.
    booking = book(year_ahead, first_session, CHRISTMAS_10, replace(policy, holiday_state=""))
    listed = closing.bookings_on_closed_days(now=FIXED_NOW, holiday_state="BE", locale="en")
    assert [(item.booking, item.closed_because) for item in listed] == [
        (booking, "Christmas Day")]
    assert closing.bookings_on_closed_days(now=FIXED_NOW, holiday_state="") == []
    assert booking.status is BookingStatus.PENDING


def test_a_closing_period_that_ends_before_it_starts_is_refused(app):
    with pytest.raises(InvalidInput):
        closing.add_closing_period(first_day=date(2026, 6, 10), last_day=date(2026, 6, 9),
                                   label="", now=FIXED_NOW)
    assert closing.closing_periods(now=FIXED_NOW) == []


def test_past_closing_periods_leave_the_list(app):
    closing.add_closing_period(first_day=date(2026, 5, 1), last_day=date(2026, 5, 31),
                               label="Mai", now=FIXED_NOW)
    june = closing.add_closing_period(first_day=date(2026, 5, 30), last_day=date(2026, 6, 1),
                                      label="Juni", now=FIXED_NOW)
    assert closing.closing_periods(now=FIXED_NOW) == [june]
    assert closing.closing_periods(now=FIXED_NOW + timedelta(days=1)) == []
