"""Polls of existing feeds are answered before Flask's pipeline (web/feeds/lane.py):
with the very answer, headers and log line Flask would give, and everything the lane
cannot answer still reaches Flask."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.exc import OperationalError
from werkzeug.test import Client

from booking.web.feeds import answers, lane
from tests.web.test_feeds import feed_url

# Headers that differ between any two answers, whoever gives them.
PER_ANSWER = {"Date", "X-Request-ID"}


@pytest.fixture
def through_flask(app) -> Client:
    """A client of the app without the lane: Flask's pipeline answers everything."""
    assert isinstance(app.wsgi_app, lane.FeedPollLane)
    return Client(app.wsgi_app.inner)


@pytest.fixture
def url(make_therapist, make_booking) -> str:
    anna = make_therapist()
    make_booking(anna, confirmed=True)
    return feed_url(anna)


@contextmanager
def reaching_flask(app) -> Iterator[list[str]]:
    """The paths of the requests that went past the lane to Flask while the block ran."""
    reached: list[str] = []
    inner = app.wsgi_app.inner

    def counting(environ, start_response):
        reached.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app.inner = counting
    try:
        yield reached
    finally:
        app.wsgi_app.inner = inner


def headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in PER_ANSWER}


@pytest.mark.parametrize("kind", ["GET", "HEAD", "304"])
def test_the_lane_answers_exactly_as_flask_would(app, client, through_flask, url, kind):
    etag = client.get(url).headers["ETag"]
    ask = {"GET": {}, "HEAD": {"method": "HEAD"},
           "304": {"headers": {"If-None-Match": etag}}}[kind]
    with reaching_flask(app) as reached:
        fast = client.open(url, **ask)
    slow = through_flask.open(url, **ask)
    assert reached == []  # the lane gave it
    assert (fast.status_code, fast.data) == (slow.status_code, slow.data)
    assert headers(fast) == headers(slow)
    assert fast.headers["Content-Security-Policy"] and fast.headers["X-Frame-Options"] == "DENY"
    assert fast.headers["Referrer-Policy"] == "no-referrer"
    assert len(fast.headers["X-Request-ID"]) == 32


def test_each_poll_the_lane_answers_is_one_request_line(client, url, caplog):
    caplog.set_level(logging.INFO, logger="booking.request")
    client.head(url, headers={"X-Request-ID": "lb-77"})
    [line] = [r for r in caplog.records if r.name == "booking.request"]
    assert (line.route, line.method, line.status, line.request_id) == (
        "feeds.feed", "HEAD", 200, "lb-77")


def test_a_refused_poll_is_a_security_event(client, url, caplog):
    caplog.set_level(logging.INFO, logger="booking.security")
    statuses = [client.head(url).status_code for _ in range(61)]
    assert statuses[-1] == 429 and set(statuses[:60]) == {200}
    assert [r.event for r in caplog.records if r.name == "booking.security"] == ["rate_limited"]


@pytest.mark.parametrize("path", ["/feeds/not-a-feed.ics", "{url}?x=1", "/feeds/%00.ics"])
def test_what_the_lane_cannot_answer_goes_on_to_flask(app, client, url, path):
    with reaching_flask(app) as reached:
        response = client.get(path.format(url=url))
    assert len(reached) == 1
    assert response.status_code in (200, 404)


def test_an_error_in_the_lane_is_answered_by_flask_with_its_error_page(
        app, client, url, monkeypatch):
    def database_away(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(answers.feeds, "address", database_away)
    response = client.get(url)
    assert response.status_code == 503
    assert "no-store" in response.headers["Cache-Control"]
