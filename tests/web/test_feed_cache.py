"""What a server keeps of a feed (its validator, its last bodies) never hides a change:
neither one made through another server, nor one that time alone makes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.extensions import db
from booking.models import SessionType
from booking.services import feeds
from tests.web.test_feeds import events, feed_url
from tests.web.test_query_counts import counted


def test_a_poll_of_an_unchanged_feed_asks_the_database_once(client, make_therapist,
                                                             make_booking):
    anna = make_therapist()
    make_booking(anna, confirmed=True)
    url = feed_url(anna)
    etag = client.get(url).headers["ETag"]
    for headers in ({"If-None-Match": etag}, {}):
        with counted() as statements:
            answer = (client.get(url, headers=headers) if headers else client.head(url))
        assert answer.status_code in (200, 304)
        assert [s.split()[0] for s in statements if not s.startswith("BEGIN")] == ["SELECT"]


def test_a_repeated_full_get_is_not_built_again(client, make_therapist, make_booking,
                                                monkeypatch):
    anna = make_therapist()
    make_booking(anna, confirmed=True)
    url = feed_url(anna)
    first = client.get(url)
    monkeypatch.setattr(feeds, "render", lambda *args: pytest.fail("built again"))
    again = client.get(url)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]


def test_a_hold_that_lapses_leaves_the_feed_without_any_write(client, clock, make_therapist,
                                                              make_booking, policy):
    anna = make_therapist()
    make_booking(anna)  # pending: tentative in the feed while it holds its slot
    url = feed_url(anna)
    first = client.get(url)
    assert len(events(first.data)) == 1
    clock.advance(policy.hold)  # no sweep has expired it yet: time alone changed the feed
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and events(again.data) == []


def test_a_booking_older_than_thirty_days_leaves_the_feed_on_time(client, clock, make_therapist,
                                                                  make_booking):
    anna = make_therapist()
    booking = make_booking(anna, confirmed=True)
    url = feed_url(anna)
    first = client.get(url)
    clock.set(booking.start_utc + feeds.PAST)  # still shown at this very instant
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    clock.advance(timedelta(seconds=1))
    later = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert later.status_code == 200 and events(later.data) == []


def test_a_renamed_session_type_is_a_new_feed_not_a_304(client, make_therapist, make_booking,
                                                        first_session):
    anna = make_therapist()
    make_booking(anna, confirmed=True)
    url = feed_url(anna)
    etag = client.get(url).headers["ETag"]
    db.session.get(SessionType, first_session.id).name_de = "Kennenlernen"
    db.session.commit()
    renamed = client.get(url, headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and b"Kennenlernen" in renamed.data


def test_the_practice_feed_follows_any_therapists_booking(client, make_therapist, make_booking):
    anna, ben = make_therapist(), make_therapist()
    make_booking(anna, confirmed=True)
    url = feed_url()
    first = client.get(url)
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    make_booking(ben, email="jo@example.org", confirmed=True)
    after = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and len(events(after.data)) == 2
