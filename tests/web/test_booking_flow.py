"""A visitor from an article's call to action to a requested booking."""

import re
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Booking, BookingStatus, OutboxMessage
from tests.support import berlin
from tests.web.forms import hidden_inputs, links

TUESDAY_9 = berlin("2026-06-02", "09:00")


@pytest.fixture
def anna(make_therapist, first_session):
    therapist = make_therapist()
    therapist.display_name, therapist.slug, therapist.languages = "Anna Berger", "anna", ["de"]
    db.session.commit()
    return therapist


def bookings_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Booking))


def outbox_kinds() -> list[str]:
    db.session.rollback()  # end this test's read snapshot, to see what requests wrote
    return [m.kind for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def details_url(start=TUESDAY_9, slug="anna", **query) -> str:
    params = "&".join(f"{k}={v}" for k, v in {"start": start.isoformat().replace("+", "%2B"),
                                              **query}.items())
    return f"/book/{slug}/details?{params}"


def fill(client, url, **overrides):
    """GET the form, then POST it back filled in, as a visitor would."""
    form = hidden_inputs(client.get(url).get_data(as_text=True))
    data = {**form, "name": "Kim Example", "email": "kim@example.org", "mode": "alone",
            "consent": "y", **overrides}
    return client.post(url, data={k: v for k, v in data.items() if v is not None})


def test_the_team_page_offers_each_therapist_and_first_available(client, anna):
    page = client.get("/book?source=getting-him-back").get_data(as_text=True)
    assert "Anna Berger" in page
    assert "/book/any?" in page
    assert "source=getting-him-back" in page


def test_the_german_alias_and_a_therapist_parameter_lead_to_the_picker(client, anna):
    response = client.get("/erstgespraech?therapist=anna&source=artikel")
    assert response.status_code == 302
    assert response.location.startswith("/book/anna?")
    assert "source=artikel" in response.location


def test_the_language_filter_shows_only_therapists_who_speak_it(client, anna):
    assert "Anna Berger" not in client.get("/book?speaks=en").get_data(as_text=True)
    assert "Anna Berger" in client.get("/book?speaks=de").get_data(as_text=True)


@pytest.fixture
def emily(make_therapist):
    """A colleague who holds sessions in English as well as German."""
    therapist = make_therapist(languages=("en", "de"))
    therapist.display_name, therapist.slug = "Emily Carter", "emily"
    db.session.commit()
    return therapist


def test_an_english_page_shows_only_therapists_who_speak_english_and_says_so(
        client, anna, emily):
    page = client.get("/book?lang=en").get_data(as_text=True)
    assert "Emily Carter" in page and "Anna Berger" not in page
    assert "As this page is in English, we show the therapists who hold sessions in it" in page
    assert '<span aria-current="true">English</span>' in page
    everyone = re.search(r'<a href="([^"]*speaks=any[^"]*)">any</a>', page).group(1)
    page = client.get(everyone.replace("&amp;", "&")).get_data(as_text=True)
    assert "Anna Berger" in page and "Emily Carter" in page
    assert "As this page is in English" not in page
    assert '<span aria-current="true">any</span>' in page
    assert "speaks=any" in links(page, "button")[0]  # the choice travels on


def test_a_german_page_still_shows_the_whole_team(client, anna, emily):
    page = client.get("/book?lang=de").get_data(as_text=True)
    assert "Anna Berger" in page and "Emily Carter" in page
    assert '<span aria-current="true">alle</span>' in page


def test_first_available_on_an_english_page_books_an_english_speaker(
        client, anna, emily, make_booking):
    make_booking(emily, start=TUESDAY_9, email="alex@example.org")
    # Anna is free then, but holds sessions only in German: the form says so at once,
    # and a form for that time sent anyway books nothing.
    url = details_url(slug="any", lang="en")
    assert "This time was just taken." in client.get(url).get_data(as_text=True)
    response = fill(client, url, start=TUESDAY_9.isoformat(), lost=None)
    assert response.status_code == 409
    assert bookings_count() == 1
    assert fill(client, details_url(slug="any", lang="en", speaks="any")).status_code == 303
    db.session.rollback()
    assert db.session.scalars(select(Booking).where(Booking.visitor_email == "kim@example.org")
                              ).one().therapist_id == anna.id


def test_first_available_on_an_english_page_says_whom_it_chooses_from(client, anna, emily):
    page = client.get("/book/any?lang=en&week=2026-06-01").get_data(as_text=True)
    assert "Only with therapists who hold sessions in English." in page
    everyone = re.search(r'<a href="([^"]+)">Show times with everyone</a>', page).group(1)
    assert "speaks=any" in everyone and "week=2026-06-01" in everyone


def test_slots_are_shown_in_the_visitors_zone_with_the_zone_named(client, anna):
    page = client.get("/book/anna?tz=Asia/Kolkata&week=2026-06-01").get_data(as_text=True)
    # 09:00 in Berlin (UTC+2 in June) is 12:30 in Kolkata (UTC+5:30).
    assert f'<time datetime="{TUESDAY_9.astimezone(UTC).isoformat()}">12:30</time>' in page
    assert "Asia/Kolkata" in page


def test_an_unknown_zone_falls_back_to_berlin(client, anna):
    page = client.get("/book/anna?tz=Mars/Base&week=2026-06-01").get_data(as_text=True)
    assert "Europe/Berlin" in page
    assert "09:00" in page


def test_slot_links_carry_only_the_start_and_the_visit_context(client, anna):
    page = client.get("/book/anna?source=artikel&week=2026-06-01").get_data(as_text=True)
    first = links(page, "slot")[0]
    assert first.startswith("/book/anna/details?start=")
    assert "source=artikel" in first


def test_an_empty_week_offers_a_jump_to_the_next_free_time(client, anna):
    from booking.models import TimeOff
    anna.time_off.append(TimeOff(start_utc=berlin("2026-06-01", "00:00"),
                                 end_utc=berlin("2026-06-15", "00:00")))
    db.session.commit()
    page = client.get("/book/anna?week=2026-06-08").get_data(as_text=True)
    assert "In dieser Woche sind keine Termine frei." in page
    assert 'class="jump" href="/book/anna?week=2026-06-15' in page


def test_the_previous_week_of_the_current_week_is_not_offered(client, anna):
    page = client.get("/book/anna?week=2026-05-01").get_data(as_text=True)
    assert 'rel="prev"' not in page
    assert "2026-06-01" in page  # the page clamps to this week


def test_a_filled_form_makes_a_pending_booking_and_leads_to_check_your_email(client, anna):
    response = fill(client, details_url(source="getting-him-back", tz="America/New_York"))
    assert response.status_code == 303
    assert response.location.startswith("/book/requested?start=")
    booking = db.session.scalar(select(Booking))
    assert booking.status is BookingStatus.PENDING
    assert (booking.cta_source, booking.visitor_timezone) == ("getting-him-back",
                                                              "America/New_York")
    assert booking.start_utc == TUESDAY_9
    page = client.get(response.location).get_data(as_text=True)
    assert "Bitte bestätigen Sie per E-Mail" in page


def test_errors_are_shown_next_to_their_fields_and_nothing_is_booked(client, anna):
    response = fill(client, details_url(), name="", email="kim@", consent=None,
                    phone="030 123")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="name-error"' in page and 'id="email-error"' in page
    assert 'id="consent-error"' in page
    assert 'value="kim@"' in page and 'value="030 123"' in page  # what they typed is kept
    assert bookings_count() == 0


def test_a_start_the_engine_does_not_offer_is_refused_with_alternatives(client, anna):
    off_grid = TUESDAY_9 + timedelta(minutes=20)
    response = fill(client, details_url(start=off_grid), start=off_grid.isoformat(), lost=None)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Dieser Termin wurde gerade vergeben." in page
    assert page.count('type="radio" name="start"') == 3
    assert bookings_count() == 0


def test_a_time_taken_meanwhile_offers_the_three_nearest_and_keeps_the_details(client, anna):
    url = details_url()
    form = hidden_inputs(client.get(url).get_data(as_text=True))
    assert fill(client, url, email="first@example.org").status_code == 303
    late = client.post(url, data={**form, "name": "Lou", "email": "lou@example.org",
                                  "mode": "alone", "consent": "y"})
    page = late.get_data(as_text=True)
    assert late.status_code == 409
    assert 'value="lou@example.org"' in page
    assert page.count('type="radio" name="start"') == 3
    assert bookings_count() == 1


def test_a_double_submitted_form_books_once(client, anna):
    url = details_url()
    form = hidden_inputs(client.get(url).get_data(as_text=True))
    data = {**form, "name": "Kim", "email": "kim@example.org", "mode": "alone", "consent": "y"}
    first, second = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    assert bookings_count() == 1


def test_the_hidden_honeypot_field_books_nothing_and_looks_like_success(client, anna):
    response = fill(client, details_url(), website="http://spam.example")
    assert response.status_code == 303
    assert response.location.startswith("/book/requested?")
    assert bookings_count() == 0


def test_a_post_without_csrf_token_is_refused(client, anna):
    response = client.post(details_url(), data={"start": TUESDAY_9.isoformat(), "name": "K",
                                                "email": "k@example.org", "consent": "y"})
    assert response.status_code == 400
    assert bookings_count() == 0


def test_a_second_free_consultation_is_explained_by_mail_not_on_the_page(
        client, make_therapist, anna):
    other = make_therapist()
    first = fill(client, details_url())
    second = fill(client, details_url(slug=other.slug), email="KIM@example.org")
    # The page looks the same as for a new booking: it must not tell a stranger
    # whether this address has a booking here. The explanation goes to the mailbox.
    assert (second.status_code, second.location) == (first.status_code, first.location)
    assert bookings_count() == 1
    assert outbox_kinds() == ["confirm_request", "already_booked"]


def test_the_explanation_is_mailed_at_most_once_an_hour(client, make_therapist, anna):
    others = [make_therapist().slug for _ in range(3)]
    fill(client, details_url())
    for slug in others:
        fill(client, details_url(slug=slug), email="kim@example.org")
    assert outbox_kinds().count("already_booked") == 1


def test_first_available_books_whoever_is_free(client, anna, make_therapist):
    make_therapist()
    assert fill(client, details_url(slug="any")).status_code == 303
    assert fill(client, details_url(slug="any"), email="lou@example.org").status_code == 303
    therapists = {b.therapist_id for b in db.session.scalars(select(Booking))}
    assert len(therapists) == 2


def test_booking_writes_the_confirm_email_to_the_outbox(client, anna):
    fill(client, details_url())
    assert outbox_kinds() == ["confirm_request"]


def test_a_lapsed_hold_shows_the_slot_as_free_again_without_any_sweep(client, anna, clock):
    fill(client, details_url())
    week = "/book/anna?week=2026-06-01"
    slot = f'datetime="{TUESDAY_9.astimezone(UTC).isoformat()}"'
    assert slot not in client.get(week).get_data(as_text=True)
    clock.advance(timedelta(minutes=29))
    assert slot not in client.get(week).get_data(as_text=True)
    clock.advance(timedelta(minutes=1))
    assert slot in client.get(week).get_data(as_text=True)


@pytest.mark.parametrize("zone", ["UTC", "Etc/GMT-3", "Asia/Calcutta"])
def test_the_zone_picker_always_shows_the_zone_the_times_are_in(client, anna, zone):
    page = client.get(f"/book/anna?tz={zone}").get_data(as_text=True)
    selected = re.search(r'<option value="([^"]+)" selected>', page).group(1)
    # Old names are shown under their current ones (CLDR aliases).
    assert selected == {"UTC": "Etc/UTC", "Asia/Calcutta": "Asia/Kolkata"}.get(zone, zone)
    # The note says where, as people name it (a zone CLDR has no place for, as it is).
    place = {"UTC": "UTC", "Asia/Calcutta": "Kalkutta, Indien"}.get(zone, zone)
    assert f"Uhrzeiten in {place}" in page


def test_a_time_within_the_change_cutoff_says_before_booking_that_it_is_fixed(
        client, make_therapist, first_session):
    therapist = make_therapist()
    soon = "2026-06-01T14:00:00%2B00:00"  # six hours after the fixed clock; the cutoff is 24
    later = "2026-06-03T07:00:00%2B00:00"
    hint = "nicht mehr online verschoben oder abgesagt"
    assert hint in client.get(f"/book/{therapist.slug}/details?start={soon}").get_data(
        as_text=True)
    assert hint not in client.get(f"/book/{therapist.slug}/details?start={later}").get_data(
        as_text=True)
