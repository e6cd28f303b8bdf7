"""The booking form after a mistake, a lost time or a reached limit: the visitor is
never sent in a loop and never loses what they typed."""

import re
from datetime import timedelta

import pytest
from babel.dates import format_timedelta
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Booking
from tests.support import berlin
from tests.web.forms import hidden_inputs, links
from tests.web.test_booking_flow import TUESDAY_9, details_url, fill


@pytest.fixture
def anna(make_therapist, first_session):
    therapist = make_therapist()
    therapist.slug = "anna"
    db.session.commit()
    return therapist


def bookings_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Booking))


def lose_the_slot(client, url):
    """Someone else books the time first; this visitor's form answers with alternatives."""
    form = hidden_inputs(client.get(url).get_data(as_text=True))
    assert fill(client, url, email="first@example.org").status_code == 303
    return client.post(url, data={**form, "name": "Lou", "email": "lou@example.org",
                                  "mode": "alone", "consent": "y"})


def test_after_a_lost_time_the_form_never_sends_that_time_again(client, anna):
    page = lose_the_slot(client, details_url()).get_data(as_text=True)
    hidden = hidden_inputs(page)
    assert "start" not in hidden  # only the three alternatives carry a start
    assert hidden["lost"] == TUESDAY_9.isoformat()


def test_booking_again_without_choosing_keeps_the_message_and_the_alternatives(client, anna):
    url = details_url()
    page = lose_the_slot(client, url).get_data(as_text=True)
    again = client.post(url, data={**hidden_inputs(page), "name": "Lou",
                                   "email": "lou@example.org", "mode": "alone",
                                   "consent": "y"})
    text = again.get_data(as_text=True)
    assert "Dieser Termin wurde gerade vergeben." in text
    assert text.count('type="radio" name="start"') == 3
    assert 'href="#start-0"' in text  # the summary leads to the first free time
    assert "Bitte wählen Sie einen der freien Termine." in text
    assert 'value="lou@example.org"' in text
    assert bookings_count() == 1


def test_choosing_an_alternative_after_a_lost_time_books_it(client, anna):
    url = details_url()
    page = lose_the_slot(client, url).get_data(as_text=True)
    choice = re.findall(r'type="radio" name="start" id="start-0" value="([^"]+)"', page)[0]
    answer = client.post(url, data={**hidden_inputs(page), "start": choice, "name": "Lou",
                                    "email": "lou@example.org", "mode": "alone",
                                    "consent": "y"})
    assert answer.status_code == 303
    assert bookings_count() == 2


def test_failed_validations_do_not_count_against_the_booking_limit(client, anna):
    url = details_url()
    mistakes = [fill(client, url, name="", email=f"v{n}@example.org").status_code
                for n in range(8)]
    assert mistakes == [200] * 8
    assert fill(client, url).status_code == 303


# A form opened while the time was still free and sent after it was taken (a form
# opened afterwards already says the time is taken, and sends no start).
STALE = {"start": TUESDAY_9.isoformat(), "lost": None}


def test_a_reached_limit_keeps_the_form_and_says_when_to_try_again(client, anna):
    url = details_url()
    answers = [fill(client, url, email=f"v{n}@example.org", phone="030 123", **STALE)
               for n in range(6)]
    assert [a.status_code for a in answers] == [303] + [409] * 4 + [429]
    refused = answers[-1]
    page = refused.get_data(as_text=True)
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 60
    when = format_timedelta(timedelta(seconds=wait), add_direction=True, locale="de")
    assert f"Sie können das Formular {when} erneut senden." in page  # "in 1 Minute"
    assert 'value="v5@example.org"' in page and 'value="030 123"' in page
    assert 'name="csrf_token"' in page


def test_the_limit_says_when_in_english_on_english_pages(client, anna):
    url = details_url(lang="en")
    answers = [fill(client, url, email=f"v{n}@example.org", **STALE) for n in range(6)]
    page = answers[-1].get_data(as_text=True)
    assert answers[-1].status_code == 429
    assert re.search(r"send the form again in \d+ (seconds?|minute)\.", page)


def test_an_error_summary_takes_focus_and_links_to_each_field(client, anna):
    page = fill(client, details_url(), name="", email="kim@", consent=None).get_data(
        as_text=True)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary and "autofocus" in summary.group(0) and 'tabindex="-1"' in summary.group(0)
    assert re.findall(r'href="#([\w-]+)"', summary.group(1)) == ["name", "email", "consent"]


def test_the_language_switch_stays_after_a_failed_submit(client, anna):
    page = fill(client, details_url(), name="").get_data(as_text=True)
    switch = re.search(r'<nav class="languages".*?</nav>', page, re.S).group(0)
    assert 'hreflang="en"' in switch and "start=" in switch


def test_a_mistyped_mail_domain_is_questioned_once_and_not_blocking(client, anna):
    url = details_url()
    first = fill(client, url, email="kim@gmial.con")
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and bookings_count() == 0
    assert "Meinten Sie kim@gmail.com?" in page
    again = client.post(url, data={**hidden_inputs(page), "name": "Kim Example",
                                   "email": "kim@gmial.con", "mode": "alone",
                                   "consent": "y"})
    assert again.status_code == 303  # as typed: the visitor knows best
    db.session.rollback()
    assert db.session.scalar(select(Booking.visitor_email)) == "kim@gmial.con"


def test_the_offered_correction_can_be_taken_with_one_choice(client, anna):
    url = details_url()
    page = fill(client, url, email="kim@gmial.con").get_data(as_text=True)
    answer = client.post(url, data={**hidden_inputs(page), "name": "Kim Example",
                                    "email": "kim@gmial.con", "use_email": "kim@gmail.com",
                                    "mode": "alone", "consent": "y"})
    assert answer.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(Booking.visitor_email)) == "kim@gmail.com"


def test_the_correction_is_offered_in_english_too(client, anna):
    page = fill(client, details_url(lang="en"), email="kim@hotmial.com").get_data(as_text=True)
    assert "Did you mean kim@hotmail.com?" in page


@pytest.mark.parametrize("address", ["kim@example.org", "kim@gmail.com", "kim@yahoo.fr",
                                     "kim@mail.de", "kim@uni-bonn.de"])
def test_ordinary_addresses_are_booked_without_a_question(client, anna, address):
    assert fill(client, details_url(), email=address).status_code == 303


FRIDAY_EVENING = berlin("2026-06-05", "19:00")


def test_on_friday_evening_the_picker_opens_on_next_week_and_says_why(client, anna, clock):
    clock.set(FRIDAY_EVENING)
    page = client.get("/book/anna?tz=Europe/Berlin").get_data(as_text=True)
    assert "Woche ab Montag, 8. Juni 2026" in page
    assert "erste Woche mit freien Terminen" in page
    assert links(page, "slot")  # times to choose at once
    assert 'rel="prev"' in page  # the empty current week stays one link away


def test_first_available_opens_on_a_week_with_a_free_time_too(client, anna, clock):
    clock.set(FRIDAY_EVENING)
    page = client.get("/book/any?tz=Europe/Berlin").get_data(as_text=True)
    assert links(page, "slot") and "8. Juni 2026" in page


def test_a_week_asked_for_is_shown_even_when_empty_with_the_next_free_link(
        client, anna, clock):
    clock.set(FRIDAY_EVENING)
    page = client.get("/book/anna?tz=Europe/Berlin&week=2026-06-05").get_data(as_text=True)
    assert "In dieser Woche sind keine Termine frei." in page
    assert 'class="jump" href="/book/anna?week=2026-06-08' in page
    assert "erste Woche mit freien Terminen" not in page


def test_a_week_with_free_times_opens_as_before(client, anna):
    page = client.get("/book/anna?tz=Europe/Berlin").get_data(as_text=True)
    assert "Woche ab Montag, 1. Juni 2026" in page
    assert "erste Woche mit freien Terminen" not in page


def test_a_limit_reached_after_a_lost_time_still_never_sends_the_lost_time(client, anna):
    url = details_url()
    page = lose_the_slot(client, url).get_data(as_text=True)  # two accepted forms
    for n in range(3):
        fill(client, url, email=f"v{n}@example.org", **STALE)  # lost as well: five in all
    limited = client.post(url, data={**hidden_inputs(page), "name": "Lou",
                                     "email": "lou@example.org", "mode": "alone",
                                     "consent": "y"})
    assert limited.status_code == 429
    hidden = hidden_inputs(limited.get_data(as_text=True))
    assert not hidden.get("start") and hidden["lost"] == TUESDAY_9.isoformat()


@pytest.mark.parametrize("lang, message", [
    ("de", "Feld kann nicht länger als 120 Zeichen sein."),
    ("en", "Field cannot be longer than 120 characters."),
])
def test_the_form_libraries_own_messages_come_in_the_visitors_language(
        client, anna, lang, message):
    url = details_url(lang=lang)
    fill(client, details_url(lang="en" if lang == "de" else "de"), name="x" * 121)
    page = fill(client, url, name="x" * 121).get_data(as_text=True)
    assert message in page
