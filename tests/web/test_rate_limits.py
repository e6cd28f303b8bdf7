"""Rate limits that hold across processes (Redis) and survive Redis going away."""

import logging
import os

import pytest
import redis
from sqlalchemy import func, select

from booking import create_app
from booking.extensions import db, limiter
from booking.models import OutboxMessage
from tests.conftest import IsolatedClient, app_config
from tests.support import berlin
from tests.web.test_booking_flow import details_url, fill
from tests.web.workspace_support import sign_in

REDIS_URL = os.environ.get("BOOKING_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="Redis tests are off: set BOOKING_TEST_REDIS_URL to a database the "
                          "suite may empty, e.g. redis://127.0.0.1:6379/15")
# Free times a week ahead, one for each request (beyond the online-change cutoff).
SLOTS = [berlin("2026-06-09", hour) for hour in ("09:00", "10:00", "11:00", "13:30", "14:30",
                                                  "15:30")]


@pytest.fixture
def anna(make_therapist, first_session):
    therapist = make_therapist()
    therapist.slug = "anna"
    therapist.set_password("lange-genug-123")
    db.session.commit()
    return therapist


@pytest.fixture
def redis_server():
    """The test Redis database, empty before and after the test."""
    server = redis.Redis.from_url(REDIS_URL)
    server.flushdb()
    yield server
    server.flushdb()


@pytest.fixture
def host(database_url, app):
    """One more instance of the service ("another host") on the same database,
    counting its limits in `storage`."""

    started = []

    def start(storage: str, **extra):
        other = create_app(app_config(database_url, RATELIMIT_STORAGE_URI=storage, **extra))
        other.test_client_class = IsolatedClient
        started.append(other)
        return other.test_client()

    yield start
    for other in started:
        with other.app_context():
            db.engine.dispose()
    # The extension object is one per process (production has one app per process):
    # the next test's app must not inherit "Redis is down" from this one's.
    limiter._storage_dead = False


def outbox_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def book_for(client, email: str, address: str, slot: int):
    client.environ_base["REMOTE_ADDR"] = address
    return fill(client, details_url(SLOTS[slot]), email=email)


def test_one_address_booked_for_from_many_networks_is_refused_after_a_few(client, anna):
    answers = [book_for(client, f"Kim+{n}@Example.org", f"198.51.100.{n}", n).status_code
               for n in range(5)]
    assert answers == [303] * 5  # booked once; the others look the same (and mail once)
    mails = outbox_count()
    refused = book_for(client, "kim@example.org", "198.51.100.99", 5)
    assert refused.status_code == 429
    assert outbox_count() == mails  # a refused request sends nothing


def test_other_addresses_are_not_held_up_by_one_address_at_its_limit(client, anna):
    for n in range(5):
        book_for(client, "kim@example.org", f"198.51.100.{n}", n)
    assert book_for(client, "sam@example.org", "198.51.100.50", 5).status_code == 303


@needs_redis
def test_the_counter_of_an_address_is_shared_by_every_host_and_names_no_address(
        host, anna, redis_server):
    first, second = host(REDIS_URL), host(REDIS_URL)
    for n in range(3):
        book_for(first, "kim@example.org", f"198.51.100.{n}", n)
    for n in range(3, 5):
        book_for(second, "kim@example.org", f"198.51.100.{n}", n)
    assert book_for(second, "kim@example.org", "198.51.100.9", 5).status_code == 429
    keys = [key.decode() for key in redis_server.scan_iter()]
    assert any("booking-email:" in key for key in keys)
    assert not any("example.org" in key or "kim" in key for key in keys)
    assert not any("198.51.100." in key for key in keys)  # nor the network addresses


@needs_redis
def test_a_network_address_is_counted_on_every_host_apart_from_others_and_named_by_no_key(
        host, anna, redis_server):
    # Behind a proxy, as in production: the visitor's address, not the proxy's, counts.
    hosts = [host(REDIS_URL, TRUSTED_PROXY_HOPS=1), host(REDIS_URL, TRUSTED_PROXY_HOPS=1)]
    visitor, neighbour = "203.0.113.7", "203.0.113.8"

    def guess(client, path: str, address: str) -> int:
        return client.get(path, headers={"X-Forwarded-For": address}).status_code

    for wrong in ("/b/guess-{}", "/feeds/guess-{}.ics"):  # the default key and the feeds'
        answers = [guess(hosts[n % 2], wrong.format(n), visitor) for n in range(30)]
        assert answers == [404] * 30
        assert [guess(one, wrong.format(30), visitor) for one in hosts] == [429, 429]
        assert guess(hosts[0], wrong.format(31), neighbour) == 404
    keys = [key.decode() for key in redis_server.scan_iter()]
    assert any("manage-token" in key for key in keys)
    assert any("feed-token" in key for key in keys)
    assert not any(visitor in key or neighbour in key for key in keys)


@needs_redis
def test_failed_sign_ins_are_counted_across_hosts(host, anna, redis_server):
    hosts = [host(REDIS_URL), host(REDIS_URL)]
    answers = [sign_in(hosts[n % 2], anna.email, "falsch-falsch-1").status_code
               for n in range(11)]
    assert answers == [401] * 10 + [429]
    keys = [key.decode() for key in redis_server.scan_iter()]
    assert any("sign-in:" in key for key in keys)
    assert not any(anna.email in key for key in keys)


def test_with_redis_gone_the_service_keeps_serving_and_limiting_and_says_so_once(host, anna,
                                                                                caplog):
    caplog.set_level(logging.WARNING)
    client = host("redis://127.0.0.1:1/0",
                  RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 0.2})
    assert client.get("/book").status_code == 200
    answers = [sign_in(client, anna.email, "falsch-falsch-1").status_code for _ in range(11)]
    assert answers == [401] * 10 + [429]  # counted in the process meanwhile
    unreachable = [r for r in caplog.records if "storage unreachable" in r.getMessage()]
    assert len(unreachable) == 1


def test_wrong_manage_links_from_one_network_are_refused_after_a_few(client, anna):
    answers = {client.get(f"/b/guess-{n}").status_code for n in range(30)}
    assert answers == {404}
    assert client.get("/b/guess-31").status_code == 429


def test_wrong_feed_addresses_from_one_network_are_refused_after_a_few(client, anna):
    assert {client.get(f"/feeds/guess-{n}.ics").status_code for n in range(30)} == {404}
    assert client.get("/feeds/guess-31.ics").status_code == 429
