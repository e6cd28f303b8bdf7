"""Visitor pages set no cookie and need none: the booking flow works in a frame on
another site, whatever the browser's cookie settings, and needs no cookie banner.
Their forms carry signed, expiring tokens instead of the session's CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import Booking, BookingStatus
from tests.support import WEDNESDAY_9
from tests.web.forms import hidden_inputs
from tests.web.url_map_walk import Practice, make_practice, paths_of, rules_of, signed_in_as

# The blueprints a visitor (or an article page embedding the flow) talks to.
VISITOR_BLUEPRINTS = {"public", "embed", "look"}


@pytest.fixture
def practice(make_therapist, first_session) -> Practice:
    return make_practice(make_therapist, first_session)


@pytest.fixture
def cookies_set(client) -> list[str]:
    """Every Set-Cookie header the client receives from here on."""
    received: list[str] = []
    opened = client.open

    def watched(*args, **kwargs):
        response = opened(*args, **kwargs)
        received.extend(response.headers.getlist("Set-Cookie"))
        return response

    client.open = watched
    return received


def visitor_rules(app) -> list:
    rules = [rule for rule in rules_of(app)
             if rule.endpoint.partition(".")[0] in VISITOR_BLUEPRINTS]
    assert {"public.team", "public.details", "public.manage", "embed.script"} <= {
        rule.endpoint for rule in rules}
    return rules


@pytest.mark.parametrize("identity", ["signed out", "therapist"])
def test_no_visitor_route_sets_a_cookie(app, client, practice, identity, cookies_set):
    # A therapist's own session cookie is sent along, but a visitor page never changes it.
    signed_in_as(client, identity, practice)
    cookies_set.clear()
    answered = set()
    for rule in visitor_rules(app):
        for path in paths_of(rule, practice):
            for query in ("", "?lang=en", "?lang=de&embed=1&notice=cancelled"):
                for method in sorted(rule.methods):
                    with client.open(path + query, method=method, data={"name": "x"}) as response:
                        answered.add(response.status_code)
                        assert "Set-Cookie" not in response.headers, f"{method} {path[:80]}"
    assert {200, 400, 404} <= answered
    assert cookies_set == []


def test_an_answer_varies_by_cookie_only_when_a_session_came_with_the_request(
        app, client, practice):
    # Without a session cookie nothing in the session shaped the answer: a cache may
    # give the same public answer (the API's free times) to everyone.
    for path in ("/book", "/api/v1/therapists", "/healthz", "/impressum"):
        response = client.get(path)
        assert "Cookie" not in response.headers.get("Vary", ""), path
    # A signed-in therapist's pages depend on their session cookie, and say so.
    signed_in_as(client, "therapist", practice)
    assert "Cookie" in client.get("/workspace").headers.get("Vary", "")


def bookings_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Booking))


def test_a_whole_booking_sets_no_cookie(client, make_therapist, first_session, token_of,
                                        cookies_set):
    therapist = make_therapist()
    details = (f"/book/{therapist.slug}/details?start="
               f"{WEDNESDAY_9.isoformat().replace('+', '%2B')}&lang=en&source=an-article")
    form = hidden_inputs(client.get(details).get_data(as_text=True))
    assert form["lang"] == "en" and form["source"] == "an-article"
    response = client.post(details, data={**form, "name": "Kim Example",
                                          "email": "kim@example.org", "consent": "y"})
    assert response.status_code == 303 and "lang=en" in response.location
    assert "Please confirm" in client.get(response.location).get_data(as_text=True)
    db.session.rollback()  # end this test's read snapshot, to see what requests wrote
    booking = db.session.scalar(select(Booking))
    assert booking.cta_source == "an-article"
    token = token_of(booking)
    confirm = hidden_inputs(client.get(f"/b/{token}/confirm?lang=en").get_data(as_text=True))
    client.post(f"/b/{token}/confirm?lang=en", data=confirm)
    cancel = hidden_inputs(client.get(f"/b/{token}/cancel?lang=en").get_data(as_text=True))
    response = client.post(f"/b/{token}/cancel?lang=en", data=cancel)
    # The outcome is named in the address, not flashed through a session.
    assert re.search(r"notice=cancelled", response.location) and "lang=en" in response.location
    assert "Your booking is cancelled" in client.get(response.location).get_data(as_text=True)
    assert cookies_set == []


def test_the_language_choice_travels_in_the_links(client, make_therapist, first_session):
    therapist = make_therapist(languages=("de", "en"))  # shown on English pages
    page = client.get("/book?lang=en", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert f"/book/{therapist.slug}?" in page
    for href in re.findall(r'href="(/book/[^"]+)"', page):
        assert "lang=en" in href, href
    # Without ?lang= nothing remembers it: the browser's language decides.
    assert '<html lang="de">' in client.get(
        "/book", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_a_forged_form_token_books_nothing_and_says_why(client, make_therapist, first_session):
    therapist = make_therapist()
    url = f"/book/{therapist.slug}/details?start={WEDNESDAY_9.isoformat().replace('+', '%2B')}"
    form = hidden_inputs(client.get(url + "&lang=en").get_data(as_text=True))
    response = client.post(url + "&lang=en", data={
        **form, "csrf_token": form["csrf_token"][:-2] + "xx", "name": "Kim Example",
        "email": "kim@example.org", "consent": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This form could not be verified" in page and 'value="Kim Example"' in page
    assert bookings_count() == 0


def test_a_form_token_expires(client, clock, make_therapist, first_session):
    therapist = make_therapist()
    url = f"/book/{therapist.slug}/details?start={WEDNESDAY_9.isoformat().replace('+', '%2B')}"
    form = hidden_inputs(client.get(url).get_data(as_text=True))
    clock.advance(timedelta(hours=1, minutes=1))
    response = client.post(url, data={**form, "name": "Kim Beispiel",
                                      "email": "kim@example.org", "consent": "y"})
    assert response.status_code == 400
    assert "zu lange geöffnet" in response.get_data(as_text=True)
    assert bookings_count() == 0
    # The page came back with a fresh token: sending it again books.
    again = hidden_inputs(response.get_data(as_text=True))
    assert client.post(url, data={**again, "name": "Kim Beispiel", "email": "kim@example.org",
                                  "consent": "y"}).status_code == 303
    assert bookings_count() == 1


def test_a_form_token_of_one_booking_cannot_cancel_another(client, make_booking, token_of,
                                                           make_therapist):
    mine = make_booking(email="kim@example.org")
    theirs = make_booking(make_therapist(), email="alex@example.org")
    form = hidden_inputs(client.get(f"/b/{token_of(mine)}/cancel").get_data(as_text=True))
    response = client.post(f"/b/{token_of(theirs)}/cancel", data=form)
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.get(Booking, theirs.id).status is BookingStatus.PENDING
    # The same token does what it was made for.
    assert client.post(f"/b/{token_of(mine)}/cancel", data=form).status_code == 303
