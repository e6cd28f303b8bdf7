"""Retention by how a booking ended: a request never confirmed, a cancelled booking and
one that took place each keep their personal data for their own period."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking.extensions import db
from booking.models import Booking
from booking.services import bookings, erasure
from booking.services.erasure import Retention
from booking.settings import settings_of
from tests.conftest import FIXED_NOW
from tests.support import WEDNESDAY_9, reconfigure

HOLD = timedelta(minutes=30)
DEFAULTS = Retention()
SESSION_END = WEDNESDAY_9 + timedelta(minutes=50)


@pytest.fixture
def three(make_therapist, make_booking, token_of, policy):
    """A request never confirmed, a booking cancelled at FIXED_NOW and one that took
    place on WEDNESDAY_9, each of another person."""
    therapist = make_therapist()
    unconfirmed = make_booking(therapist, email="una@example.org")
    cancelled = make_booking(therapist, start=WEDNESDAY_9 + timedelta(hours=1),
                             email="cai@example.org", confirmed=True)
    bookings.cancel_by_visitor(token_of(cancelled), reason="", now=FIXED_NOW, policy=policy)
    took_place = make_booking(therapist, start=WEDNESDAY_9 + timedelta(hours=2),
                              email="tom@example.org", confirmed=True)
    return {"unconfirmed": unconfirmed.id, "cancelled": cancelled.id,
            "took_place": took_place.id}


def due(at, retention: Retention = DEFAULTS) -> set[int]:
    return {item.booking_id for item in erasure.due_for_erasure(at, retention=retention)}


def test_the_defaults_are_a_week_three_months_and_a_year(app):
    assert settings_of(app).retention == Retention(unconfirmed_days=7, cancelled_days=90,
                                                   completed_days=365)


def test_a_request_never_confirmed_goes_a_week_after_its_hold_lapsed(three):
    assert due(FIXED_NOW + HOLD + timedelta(days=7) - timedelta(minutes=1)) == set()
    assert due(FIXED_NOW + HOLD + timedelta(days=7, minutes=1)) == {three["unconfirmed"]}


def test_a_cancelled_booking_goes_ninety_days_after_the_cancellation(three):
    assert three["cancelled"] not in due(FIXED_NOW + timedelta(days=90) - timedelta(minutes=1))
    assert three["cancelled"] in due(FIXED_NOW + timedelta(days=90, minutes=1))


def test_a_booking_that_took_place_goes_a_year_after_its_time(three):
    a_year = SESSION_END + timedelta(hours=2, days=365)
    assert three["took_place"] not in due(a_year - timedelta(minutes=1))
    assert due(a_year + timedelta(minutes=1)) == set(three.values())


def test_each_period_is_configurable_and_zero_keeps(app, three):
    reconfigure(app, RETENTION_UNCONFIRMED_DAYS=0, RETENTION_CANCELLED_DAYS=2,
                RETENTION_DAYS=0)
    retention = settings_of(app).retention
    assert retention == Retention(unconfirmed_days=0, cancelled_days=2, completed_days=0)
    assert due(FIXED_NOW + timedelta(days=3000), retention) == {three["cancelled"]}


def test_the_purge_erases_what_is_due_and_leaves_the_rest(three):
    at = FIXED_NOW + timedelta(days=91)
    assert erasure.erase_old(at, retention=Retention()) == 2
    db.session.rollback()
    names = {booking.id: booking.visitor_name for booking in db.session.query(Booking)}
    assert names[three["unconfirmed"]] == names[three["cancelled"]] == ""
    assert names[three["took_place"]] == "Kim Beispiel"
    assert erasure.erase_old(at, retention=Retention()) == 0


def test_a_dry_run_names_ids_statuses_and_times_but_no_personal_data(app, three):
    runner = app.test_cli_runner()
    app.extensions["booking.clock"].set(FIXED_NOW + timedelta(days=91))
    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("2 booking(s) would be erased: 1 cancelled, 1 pending")
    assert f"#{three['unconfirmed']}  pending" in dry.output
    assert "2026-06-03 08:00 UTC" in dry.output  # the cancelled one's time
    assert "example.org" not in dry.output and "Kim" not in dry.output
    db.session.rollback()
    assert db.session.get(Booking, three["cancelled"]).visitor_name == "Kim Beispiel"
    done = runner.invoke(args=["privacy", "purge"])
    assert done.output == "Erased the personal data of 2 booking(s).\n"
    db.session.rollback()
    assert db.session.get(Booking, three["cancelled"]).visitor_name == ""


def test_a_wrong_period_stops_the_start_with_its_name(tmp_path):
    from booking.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="RETENTION_CANCELLED_DAYS"):
        load_settings(str(tmp_path), {"RETENTION_CANCELLED_DAYS": "ninety"},
                      {"SECRET_KEY": "x" * 40})
    with pytest.raises(ConfigError, match="RETENTION_UNCONFIRMED_DAYS"):
        load_settings(str(tmp_path), {"RETENTION_UNCONFIRMED_DAYS": "-1"},
                      {"SECRET_KEY": "x" * 40})
