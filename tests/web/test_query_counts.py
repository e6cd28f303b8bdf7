"""No N+1: the pages and feeds that visitors and calendar clients fetch most ask the
database the same number of times whatever the size of the team and its bookings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import event

from booking import committed_reads
from booking.extensions import db
from booking.models import Booking, BookingStatus, FeedScope
from booking.services import feeds
from tests.conftest import FIXED_NOW
from tests.support import WEDNESDAY_9
from tests.web.forms import hidden_inputs


@contextmanager
def counted() -> Iterator[list[str]]:
    """The SQL statements run while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    def record_key_read(*args) -> None:
        statements.append("SELECT (a cache key: committed_reads.first_row takes selects only)")

    # The reads of cache keys go to the driver directly on PostgreSQL: each takes one
    # connection from their own engine's pool for its one statement.
    reader = committed_reads.key_reader()
    listeners = [(db.engine, "before_cursor_execute", record)]
    if reader is not db.engine:
        listeners.append((reader, "checkout", record_key_read))
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield statements
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)


FREE_LATER = WEDNESDAY_9 + timedelta(days=7)


def practice(make_therapist, first_session, *, team: int, bookings: int) -> list[str]:
    """A team with `bookings` confirmed bookings shared among them (from ten days back,
    so the feeds show some past ones too), and the URLs to count."""
    members = [make_therapist() for _ in range(team)]
    for n in range(bookings):
        therapist = members[n % team]
        start = FIXED_NOW - timedelta(days=10) + timedelta(hours=n // team)
        db.session.add(Booking(
            public_id=uuid.uuid4().hex[:16], ical_uid=f"{uuid.uuid4()}@test",
            therapist_id=therapist.id, session_type_id=first_session.id, start_utc=start,
            end_utc=start + timedelta(minutes=50), blocked_start_utc=start,
            blocked_end_utc=start + timedelta(minutes=50), status=BookingStatus.CONFIRMED,
            visitor_name=f"Visitor {n}", visitor_email=f"v{n}@example.org",
            visitor_email_key=f"v{n}@example.org", consent_at=FIXED_NOW,
            manage_token_hash=uuid.uuid4().hex, sequence=0, created_at=FIXED_NOW,
            updated_at=FIXED_NOW, confirmed_at=FIXED_NOW))
    db.session.commit()
    token = feeds.current_token(therapist_id=members[0].id, scope=FeedScope.THERAPIST,
                                secret_key="test-secret-key", now=FIXED_NOW)
    practice_token = feeds.current_token(therapist_id=None, scope=FeedScope.PRACTICE,
                                         secret_key="test-secret-key", now=FIXED_NOW)
    return ["/book", "/book/any", f"/book/{members[0].slug}",
            # A free time in both practices (the big one's bookings fill the first days):
            # a time not offered is a different page, with the nearest free times.
            f"/book/{members[0].slug}/details?start={quote(FREE_LATER.isoformat())}",
            f"/feeds/{token}.ics", f"/feeds/{practice_token}.ics"]


def queries_per_page(client, urls: list[str]) -> dict[str, int]:
    found = {}
    for url in urls:
        client.get(url)  # warm: the first request of an app loads its settings
        with counted() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        found[url.split("/")[2 if url.startswith("/feeds") else -1][:8]] = len(statements)
    return found


@pytest.mark.parametrize("team, bookings", [(30, 10), (3, 1_000), (30, 1_000)])
def test_pages_and_feeds_ask_the_database_as_often_for_a_big_practice_as_for_a_small_one(
        app, client, make_therapist, first_session, team, bookings):
    small = queries_per_page(client, practice(make_therapist, first_session, team=3,
                                              bookings=10))
    db.session.execute(db.delete(Booking))
    db.session.commit()
    big = queries_per_page(client, practice(make_therapist, first_session, team=team,
                                            bookings=bookings))
    assert list(big.values()) == list(small.values())


def test_a_page_or_availability_answer_kept_by_the_server_asks_the_database_once(
        app, client, make_therapist, first_session):
    urls = practice(make_therapist, first_session, team=3, bookings=100)[:3]
    slug = urls[2].rsplit("/", 1)[1]
    urls += [f"/api/v1/therapists/{slug}/availability?start=2026-06-01&end=2026-06-29",
             "/api/v1/availability?start=2026-06-01&end=2026-06-08"]
    for url in urls:
        assert client.get(url).status_code == 200  # computed and kept
        with counted() as statements:
            assert client.get(url).status_code == 200
        # The schedule version, and nothing else.
        assert [s.split()[0] for s in statements if not s.startswith("BEGIN")] == ["SELECT"], url


def test_a_booking_from_the_form_costs_at_most_twelve_statements(
        app, client, make_therapist, first_session):
    anna = make_therapist()
    start = quote(WEDNESDAY_9.isoformat())
    form = hidden_inputs(client.get(f"/book/{anna.slug}/details?start={start}")
                         .get_data(as_text=True))
    form.update(name="Kim Beispiel", email="kim@example.org", mode="alone", consent="y",
                tz="Europe/Berlin", start=WEDNESDAY_9.isoformat())
    with counted() as statements:
        assert client.post(f"/book/{anna.slug}/details", data=form).status_code == 303
    work = [s for s in statements if not s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))]
    # The page's reads (the therapist with hours and rules, the session type), then under
    # the lock: the schedule lock (which moves the version, finds the therapist read by
    # the page still current, and takes the person's lock), the idempotency key, the
    # person's earlier bookings, the re-check (bookings with time off and busy time, the
    # practice's closing days), lapsed holds, the webhooks and three inserts.
    assert len(work) <= 12, work
