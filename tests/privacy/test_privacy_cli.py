"""`booking privacy export` and `booking privacy erase`, as an operator uses them."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select

from booking import create_app
from booking.extensions import db, limiter
from booking.models import Booking, OutboxMessage
from booking.services import notifications, waivers
from booking.web import limits
from tests.conftest import FIXED_NOW, IsolatedClient, app_config
from tests.support import berlin
from tests.web.test_booking_flow import details_url, fill

REDIS_URL = os.environ.get("BOOKING_TEST_REDIS_URL")


@pytest.fixture
def anna(make_therapist, first_session):
    therapist = make_therapist()
    therapist.slug = "anna"
    db.session.commit()
    return therapist


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["privacy", *args])


def test_export_prints_the_persons_data_as_json_and_says_when_there_is_none(
        cli, anna, make_booking):
    make_booking(anna, name="Kim Beispiel", email="kim@example.org", message="Hallo")
    result = cli("export", "KIM+web@Example.org")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["summary"].startswith("Wir speichern: 1 Buchung auf Ihren Namen")
    assert [b["message"] for b in document["bookings"]] == ["Hallo"]
    nothing = cli("export", "lou@example.org")
    assert (nothing.exit_code, nothing.stdout) == (0, "")
    assert "Nothing is stored about lou@example.org." in nothing.stderr


def test_a_malformed_address_is_a_one_line_error(cli):
    for command in ("export", "erase"):
        result = cli(command, "not-an-address")
        assert result.exit_code == 1
        assert result.output.startswith("Error: email:")


def test_erase_deletes_a_past_booking_and_cancels_an_upcoming_one_first(
        app, cli, anna, make_booking, clock, policy):
    past = make_booking(anna, email="kim@example.org", confirmed=True)
    waivers.grant(email="kim@example.org", note="", granted_by_id=anna.id, now=FIXED_NOW)
    ahead = make_booking(anna, start=berlin("2026-06-17", "09:00"), email="kim@example.org",
                         confirmed=True, now=FIXED_NOW - timedelta(days=30))
    clock.set(berlin("2026-06-10", "09:00"))  # the first has taken place
    result = cli("erase", "kim@example.org")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Erased 1 booking(s): #{past.id}.",
        f"Cancelled 1 upcoming booking(s) first: #{ahead.id}; the client is told.",
        "1 booking(s) keep their data until the cancellation mail is sent: run this "
        "command again after the worker's next round."]
    db.session.rollback()
    kinds = db.session.scalars(select(OutboxMessage.kind).where(
        OutboxMessage.booking_id == ahead.id)).all()
    assert "booking_cancelled" in kinds
    db.session.rollback()  # SQLite: a reader's open transaction would hold the writers off
    app.test_cli_runner().invoke(args=["worker", "--once"])
    again = cli("erase", "kim@example.org")
    assert again.output.splitlines() == [f"Erased 1 booking(s): #{ahead.id}."]
    db.session.rollback()
    assert {b.visitor_email for b in db.session.scalars(select(Booking))} == {""}
    assert "Nothing is stored" in cli("export", "kim@example.org").stderr


def test_erase_takes_a_partner_out_of_someone_elses_booking_and_their_mail(
        cli, anna, make_booking):
    other = make_booking(anna, name="Lou Muster", email="lou@example.org",
                         partner_name="Kim Beispiel", partner_email="KIM@example.org",
                         confirmed=True)
    assert [b["role"] for b in json.loads(cli("export", "kim@example.org").stdout)[
        "bookings"]] == ["partner"]
    result = cli("erase", "kim@example.org")
    assert result.output.splitlines() == [
        "Erased 0 booking(s).",
        f"Removed them as partner from 1 booking(s) of others: #{other.id}."]
    db.session.rollback()
    kept = db.session.get(Booking, other.id)
    assert (kept.visitor_name, kept.partner_name, kept.partner_email) == ("Lou Muster", "", "")
    to_partner = [m for m in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.booking_id == other.id)) if m.payload["recipient"] == "partner"]
    assert to_partner and all(notifications.is_obsolete(m) for m in to_partner)
    assert "Nothing is stored" in cli("export", "kim@example.org").stderr


def booked_through_the_form(client) -> None:
    answer = fill(client, details_url(berlin("2026-06-09", "09:00")), email="Kim@Example.org")
    assert answer.status_code == 303


def counters(store) -> list[str]:
    return [key for key in list(store.storage) if "booking-email:" in key]


def test_erase_forgets_the_rate_limit_counters_of_the_address(app, client, cli, anna):
    booked_through_the_form(client)
    with app.test_request_context():
        name = limits.email_key("kim@example.org")
    assert any(name in key for key in counters(limiter.storage))
    cli("erase", "kim@example.org")
    assert not any(name in key for key in counters(limiter.storage))


@pytest.mark.skipif(not REDIS_URL, reason="Redis tests are off: set BOOKING_TEST_REDIS_URL")
def test_erase_forgets_the_counters_in_redis_too(app, database_url, anna):
    server = redis.Redis.from_url(REDIS_URL)
    server.flushdb()
    shared = create_app(app_config(database_url, RATELIMIT_STORAGE_URI=REDIS_URL))
    shared.test_client_class = IsolatedClient
    try:
        booked_through_the_form(shared.test_client())
        other = server.set("LIMITS:LIMITER/booking-email:someone-else/5/1/hour", 1)
        assert other and any(b"booking-email:" in key for key in server.scan_iter())
        with shared.app_context():
            result = shared.test_cli_runner().invoke(args=["privacy", "erase", "kim@example.org"])
        assert result.exit_code == 0, result.output
        left = [key.decode() for key in server.scan_iter() if b"booking-email:" in key]
        assert left == ["LIMITS:LIMITER/booking-email:someone-else/5/1/hour"]
    finally:
        server.flushdb()
        with shared.app_context():
            db.engine.dispose()
        limiter._storage_dead = False
