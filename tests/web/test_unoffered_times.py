"""A booking form opened for a time that is not offered says why at once (closed,
past or too soon, taken) with the nearest free times, instead of a form that fails."""

from __future__ import annotations

from datetime import date

from booking import clock
from booking.services import closing
from tests.support import berlin
from tests.web.forms import hidden_inputs
from tests.web.test_booking_flow import (  # noqa: F401 (fixtures)
    TUESDAY_9,
    anna,
    bookings_count,
    details_url,
    fill,
)

ALERT = 'role="alert"'
RADIO = 'type="radio" name="start"'


def opened(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_offered_time_shows_the_plain_form(client, anna):  # noqa: F811
    page = opened(client, details_url())
    assert ALERT not in page and 'name="start"' in page and RADIO not in page


def test_a_public_holiday_says_the_practice_is_closed_and_why(client, anna):  # noqa: F811
    page = opened(client, details_url(start=berlin("2026-12-25", "10:00")))
    assert "Die Praxis ist an diesem Tag geschlossen (Erster Weihnachtstag)." in page
    assert "gerade vergeben" not in page
    assert "Angaben bleiben erhalten" not in page  # nothing typed yet


def test_a_closing_day_is_named_with_the_nearest_free_times(client, anna):  # noqa: F811
    closing.add_closing_period(first_day=date(2026, 6, 2), last_day=date(2026, 6, 2),
                               label="Betriebsausflug", now=clock.utcnow())
    page = opened(client, details_url(lang="en"))
    assert "The practice is closed on this day (Betriebsausflug)." in page
    assert page.count(RADIO) == 3
    assert 'name="lost"' in page  # the time is kept only to find the free ones again


def test_a_past_time_can_no_longer_be_booked(client, anna):  # noqa: F811
    page = opened(client, details_url(start=berlin("2026-05-29", "10:00")))
    assert "Dieser Termin ist nicht mehr buchbar." in page and "gerade vergeben" not in page


def test_a_time_sooner_than_the_minimum_notice_can_no_longer_be_booked(
        client, make_therapist, first_session):
    strict = make_therapist(minimum_notice_minutes=24 * 60)
    soon = berlin("2026-06-01", "15:00")  # five hours ahead, inside the hours
    page = opened(client, details_url(start=soon, slug=strict.slug, lang="en"))
    assert "This time can no longer be booked." in page


def test_a_time_outside_the_hours_is_not_offered_and_said_taken(client, anna):  # noqa: F811
    page = opened(client, details_url(start=berlin("2026-06-02", "20:00")))
    assert "Dieser Termin wurde gerade vergeben." in page and page.count(RADIO) == 3


def test_a_booked_time_opened_again_shows_the_nearest_free_times(client, anna):  # noqa: F811
    assert fill(client, details_url()).status_code == 303
    page = opened(client, details_url())
    assert "Dieser Termin wurde gerade vergeben." in page and page.count(RADIO) == 3


def test_a_form_posted_for_a_closed_day_names_the_day_not_someone_else(
        client, anna):  # noqa: F811
    form = hidden_inputs(opened(client, details_url()))
    closing.add_closing_period(first_day=date(2026, 6, 2), last_day=date(2026, 6, 2),
                               label="Betriebsausflug", now=clock.utcnow())
    response = client.post(details_url(), data={**form, "name": "Kim", "mode": "alone",
                                                 "email": "kim@example.org", "consent": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Die Praxis ist an diesem Tag geschlossen (Betriebsausflug)." in page
    assert bookings_count() == 0
