"""Every response carries the security headers: every rule of the URL map, every
method it takes, real and fake values, signed out and signed in."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from werkzeug.exceptions import HTTPException

from booking import create_app
from booking.extensions import db
from tests.conftest import app_config
from tests.web.url_map_walk import (
    IDENTITIES,
    UNMATCHED,
    Practice,
    make_practice,
    paths_of,
    rules_of,
    signed_in_as,
)

CSP_DIRECTIVES = {
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
}
# The pages embed.js shows in an article's frame. The test app runs outside
# production with no EMBED_ORIGINS: only its own demo article ('self') may frame them.
FRAMED_PAGES = {"public.team", "public.slots", "public.details", "public.requested",
                "public.privacy", "public.impressum"}
DEMO = "http://127.0.0.1:5000"  # the test app's BASE_URL: the demo article loads and frames it
UPLOADED_CONTENT = {"look.media", "look.theme"}
SWITCHED_OFF = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


@pytest.fixture
def practice(make_therapist, first_session) -> Practice:
    return make_practice(make_therapist, first_session)


def check_headers(response, rule=None, where="") -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    endpoint = rule.endpoint if rule is not None else None
    expected = set(CSP_DIRECTIVES)
    if endpoint in UPLOADED_CONTENT:  # pictures and the theme: nothing may run or load
        expected = {"default-src 'none'", "frame-ancestors 'none'", "sandbox"}
    if endpoint in FRAMED_PAGES:
        expected ^= {"frame-ancestors 'none'", "frame-ancestors 'self'"}
    if endpoint == "embed.demo_article":
        expected ^= {"script-src 'self'", f"script-src 'self' {DEMO}", f"frame-src 'self' {DEMO}"}
    assert {d.strip() for d in csp.split(";")} == expected, where
    assert "unsafe-inline" not in csp, where
    # X-Frame-Options cannot name origins: it must not contradict an allowed frame.
    assert headers.get("X-Frame-Options") == (
        None if endpoint in FRAMED_PAGES else "DENY"), where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert all(f in headers.get("Permissions-Policy", "") for f in SWITCHED_OFF), where
    holds_token = rule is None or "token" in rule.arguments
    assert headers.get("Referrer-Policy") == (
        "no-referrer" if holds_token else "same-origin"), where
    cache = headers.get("Cache-Control", "")
    if endpoint == "feeds.feed":  # a found feed is cached privately, anything else not
        assert cache in ("private, max-age=300", "no-store"), where
    elif endpoint == "embed.script":  # the same for everyone, a year at its versioned address
        assert cache.startswith("public, max-age=") or cache == "no-store", where
    elif endpoint in UPLOADED_CONTENT:  # named by their content: kept for a year
        assert cache in ("public, max-age=31536000, immutable", "no-store"), where
    elif endpoint in ("api.availability", "api.team_availability"):  # free slots: public
        assert cache in ("public, max-age=10", "no-store"), where
    elif endpoint != "static":  # static files: Flask's own validators, nothing personal
        assert cache == "no-store", where
    assert "Strict-Transport-Security" not in headers, where


def matched_rule(app, path: str, method: str):
    """The rule the request was routed to, None if routing failed (404, 405)."""
    try:
        rule, _ = app.url_map.bind("localhost").match(unquote(path), method, return_rule=True)
    except HTTPException:
        return None
    return rule


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_route_answers_with_the_security_headers(app, client, practice, identity):
    signed_in_as(client, identity, practice)
    answered = set()
    for rule in rules_of(app):
        for path in paths_of(rule, practice):
            for method in sorted(rule.methods):
                with client.open(path, method=method) as response:
                    check_headers(response, matched_rule(app, path, method),
                                  f"{method} {path[:80]} -> {response.status_code}")
                answered.add(response.status_code)
    for path in UNMATCHED:
        check_headers(client.get(path), None, path[:80])
    assert 200 in answered  # the walk reached real pages, not only refusals


def test_pages_with_client_data_are_never_stored(client, practice):
    signed_in_as(client, "therapist", practice)
    token = practice.manage_token
    for path in ("/workspace/", f"/workspace/bookings/{practice.values['booking_id']}",
                 f"/b/{token}", f"/b/{token}/confirm", f"/b/{token}/invite.ics",
                 f"/b/{token}/reschedule"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_secret_links_are_never_passed_on_as_referrer(client, practice):
    token = practice.manage_token
    for path in (f"/b/{token}", f"/feeds/{practice.feed_token}.ics",
                 "/workspace/reset/abc", "/workspace/welcome/abc"):
        assert client.get(path).headers["Referrer-Policy"] == "no-referrer", path
    assert client.get("/book").headers["Referrer-Policy"] == "same-origin"


def test_a_feed_keeps_its_own_private_caching_for_polling_calendars(client, practice):
    response = client.get(f"/feeds/{practice.feed_token}.ics")
    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert response.headers["ETag"]


@pytest.fixture
def https_app(database_url):
    app = create_app(app_config(database_url, BASE_URL="https://termine.praxis.example"))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_an_https_service_asks_for_https_for_a_year_and_a_host_only_cookie(https_app):
    response = https_app.test_client().get("/workspace/sign-in")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    attributes = {part.strip().split("=")[0] for part in cookie.split(";")[1:]}
    assert {"Secure", "Path"} <= attributes and "Domain" not in attributes
    assert "Path=/;" in cookie + ";"


def test_an_http_service_sends_no_hsts_and_a_plain_cookie(client):
    response = client.get("/workspace/sign-in")
    assert "Strict-Transport-Security" not in response.headers
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "Secure" not in cookie
