"""Secret-address feeds as calendar programs poll them."""

from __future__ import annotations

from datetime import UTC, timedelta

import icalendar
import pytest
import vobject

from booking.extensions import db
from booking.models import FeedScope
from booking.services import bookings, feeds
from tests.conftest import FIXED_NOW
from tests.support import WEDNESDAY_9


@pytest.fixture
def anna(make_therapist):
    therapist = make_therapist()
    therapist.display_name = "Anna Berger"
    db.session.commit()
    return therapist


def feed_url(therapist=None, rotate=False) -> str:
    make = feeds.rotate if rotate else feeds.current_token
    token = make(therapist_id=therapist.id if therapist else None,
                 scope=FeedScope.THERAPIST if therapist else FeedScope.PRACTICE,
                 secret_key="test-secret-key", now=FIXED_NOW)
    return f"/feeds/{token}.ics"


def events(body: bytes) -> list:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def test_the_feed_is_a_calendar_that_two_parsers_read_alike(client, anna, make_booking):
    booking = make_booking(anna, confirmed=True)
    response = client.get(feed_url(anna))
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    [ours] = events(response.data)
    theirs = vobject.readOne(response.data.decode()).vevent
    assert str(ours["UID"]) == str(theirs.uid.value) == booking.ical_uid
    assert ours["DTSTART"].dt.astimezone(UTC) == theirs.dtstart.value.astimezone(UTC) == (
        WEDNESDAY_9)
    calendar = icalendar.Calendar.from_ical(response.data)
    assert "Anna Berger" in str(calendar["X-WR-CALNAME"])
    assert "METHOD" not in calendar


def test_by_default_the_feed_carries_no_contact_details_or_message(client, anna, make_booking):
    make_booking(anna, phone="+49 30 555", message="Wir streiten viel.", confirmed=True)
    body = client.get(feed_url(anna)).data
    for private in (b"kim@example.org", b"+49 30 555", b"streiten", b"Beispiel", b"ATTENDEE"):
        assert private not in body
    assert "K. B." in str(events(body)[0]["SUMMARY"])


def test_full_details_are_shown_only_when_the_therapist_chose_them(client, anna, make_booking):
    make_booking(anna, phone="+49 30 555", message="Wir streiten viel.", confirmed=True)
    url = feed_url(anna)
    feed = feeds.find(url.removeprefix("/feeds/").removesuffix(".ics"))
    feed.full_details = True
    db.session.commit()
    body = client.get(url).data
    assert b"Kim Beispiel" in body and b"kim@example.org" in body


def test_pending_bookings_are_tentative_and_cancelled_ones_stay_cancelled_with_a_higher_sequence(
        client, anna, make_booking, token_of, policy):
    pending = make_booking(anna)
    cancelled = make_booking(anna, start=WEDNESDAY_9 + timedelta(hours=1),
                             email="lou@example.org", confirmed=True)
    bookings.cancel_by_visitor(token_of(cancelled), reason="", now=FIXED_NOW, policy=policy)
    by_uid = {str(e["UID"]): e for e in events(client.get(feed_url(anna)).data)}
    assert str(by_uid[pending.ical_uid]["STATUS"]) == "TENTATIVE"
    assert str(by_uid[cancelled.ical_uid]["STATUS"]) == "CANCELLED"
    assert int(by_uid[cancelled.ical_uid]["SEQUENCE"]) == 1


def test_an_unchanged_feed_answers_304_and_a_change_gives_a_new_etag(
        client, anna, make_booking, token_of, policy):
    booking = make_booking(anna, confirmed=True)
    url = feed_url(anna)
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(url).headers["ETag"] == etag  # polling again does not change it
    bookings.cancel_by_visitor(token_of(booking), reason="",
                               now=FIXED_NOW + timedelta(minutes=5), policy=policy)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


@pytest.mark.parametrize("change", [
    lambda anna: setattr(anna, "display_name", "Dr. Anna Berger-Lang"),
    lambda anna: setattr(anna, "timezone", "Europe/Vienna"),
    lambda anna: setattr(anna.rules, "meeting_url", "https://meet.example/anna"),
], ids=["name", "zone", "video-link"])
def test_a_change_to_what_the_feed_shows_of_the_therapist_gives_a_new_etag(
        client, anna, make_booking, change):
    make_booking(anna, confirmed=True)
    url = feed_url(anna)
    etag = client.get(url).headers["ETag"]
    change(anna)
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_head_answers_like_get_without_a_body(client, anna, make_booking, monkeypatch):
    make_booking(anna, confirmed=True)
    url = feed_url(anna)
    get = client.get(url)
    monkeypatch.setattr(feeds, "render", lambda *args: pytest.fail("HEAD built the feed"))
    head = client.head(url)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    # Not built, so its length is not named: a wrong one (0) would mislead a cache.
    assert "Content-Length" not in head.headers


def test_a_new_therapists_feed_without_bookings_is_a_calendar_two_parsers_accept(
        client, anna):
    body = client.get(feed_url(anna)).data
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar.walk("VEVENT") == []
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    [theirs] = vobject.readComponents(body.decode(), validate=True)
    assert [zone.tzid.value for zone in theirs.contents["vtimezone"]] == ["Europe/Berlin"]


def test_polling_is_limited_per_feed_not_per_network_address(client, anna, make_therapist):
    # Google and Microsoft fetch everyone's feeds from a few shared addresses.
    mine, theirs = feed_url(anna), feed_url(make_therapist())
    etag = client.get(mine).headers["ETag"]
    answers = [client.get(mine, headers={"If-None-Match": etag}) for _ in range(59)]
    assert {answer.status_code for answer in answers} == {304}
    refused = client.get(mine, headers={"If-None-Match": etag})
    assert refused.status_code == 429
    assert refused.content_type.startswith("text/plain")
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert b"Try again in" in refused.data
    assert client.get(theirs).status_code == 200  # the same address, another feed


def test_rotating_ends_the_old_address(client, anna, first_session):
    old = feed_url(anna)
    new = feed_url(anna, rotate=True)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_one_therapists_feed_never_shows_anothers_bookings(
        client, anna, make_therapist, make_booking):
    other = make_therapist()
    mine = make_booking(anna, confirmed=True)
    theirs = make_booking(other, email="lou@example.org", confirmed=True)
    uids = {str(e["UID"]) for e in events(client.get(feed_url(anna)).data)}
    assert uids == {mine.ical_uid}
    practice = {str(e["UID"]) for e in events(client.get(feed_url()).data)}
    assert practice == {mine.ical_uid, theirs.ical_uid}


@pytest.mark.parametrize("token", ["nope", "A" * 43, "../../etc/passwd", "%00"])
def test_a_wrong_token_gets_a_bare_not_found(client, anna, token):
    response = client.get(f"/feeds/{token}.ics")
    assert response.status_code == 404
    assert b"VCALENDAR" not in response.data


def test_guessing_is_rate_limited(client, anna):
    answers = [client.get(f"/feeds/guess{n}.ics").status_code for n in range(121)]
    assert answers[-1] == 429


def test_the_cli_prints_the_current_address_and_rotates_it(app, anna):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["feed-url", anna.email]).output.splitlines()
    again = runner.invoke(args=["feed-url", anna.email]).output.splitlines()
    rotated = runner.invoke(args=["feed-url", anna.email, "--rotate"]).output.splitlines()
    assert first == again
    assert first[0].startswith("http://127.0.0.1:5000/feeds/") and first[0].endswith(".ics")
    assert first[1].startswith("webcal://127.0.0.1:5000/feeds/")
    assert rotated != first
    assert "no therapist" in runner.invoke(args=["feed-url", "x@example.org"]).output


def test_a_booking_leaving_the_feed_is_seen_by_clients_asking_with_a_date(
        client, anna, clock, make_booking, policy):
    make_booking(anna)
    url = feed_url(anna)
    first = client.get(url)
    assert len(events(first.data)) == 1
    clock.advance(policy.hold)  # the pending booking lapses and leaves the feed...
    bookings.expire_all_lapsed(clock.now())  # ...and the sweep marks it expired
    again = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert again.status_code == 200
    assert events(again.data) == []
