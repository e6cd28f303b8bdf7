"""What the database itself guarantees, whatever code writes to it."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.pool import NullPool

from booking import database
from booking.extensions import db
from booking.models import Booking, BookingStatus
from tests.conftest import FIXED_NOW
from tests.support import berlin, postgresql_only


def raw_booking(therapist, session_type, start, minutes=60, status=BookingStatus.CONFIRMED,
                n=0) -> Booking:
    return Booking(
        public_id=f"p{n}-{start.timestamp()}", ical_uid=f"u{n}-{start.timestamp()}@x",
        therapist=therapist, session_type=session_type,
        start_utc=start, end_utc=start + timedelta(minutes=50),
        blocked_start_utc=start, blocked_end_utc=start + timedelta(minutes=minutes),
        status=status, visitor_name="V", visitor_email="v@example.org",
        visitor_email_key="v@example.org", consent_at=FIXED_NOW,
        manage_token_hash=f"h{n}-{start.timestamp()}", created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
    )


# Exclusion constraints exist on PostgreSQL only; on SQLite the booking service
# serialises writers (see the race tests in tests/services/test_bookings.py).


@postgresql_only
def test_postgresql_refuses_overlapping_occupying_bookings_of_one_therapist(
        make_therapist, first_session):
    therapist = make_therapist()
    start = berlin("2026-06-02", "09:00")
    db.session.add(raw_booking(therapist, first_session, start, n=1))
    db.session.commit()
    db.session.add(raw_booking(therapist, first_session, start + timedelta(minutes=59), n=2))
    with pytest.raises(IntegrityError, match="ex_booking_no_overlap"):
        db.session.commit()
    db.session.rollback()


@postgresql_only
def test_postgresql_lets_bookings_touch_and_ignores_freed_ones(
        make_therapist, first_session):
    therapist, other = make_therapist(), make_therapist()
    start = berlin("2026-06-02", "09:00")
    db.session.add_all([
        raw_booking(therapist, first_session, start, n=1),
        raw_booking(therapist, first_session, start + timedelta(minutes=60), n=2),  # touches
        raw_booking(other, first_session, start, n=3),  # another therapist
        raw_booking(therapist, first_session, start, status=BookingStatus.CANCELLED, n=4),
        raw_booking(therapist, first_session, start, status=BookingStatus.EXPIRED, n=5),
    ])
    db.session.commit()


def test_instants_come_back_as_the_same_aware_utc_moment(make_therapist, first_session):
    therapist = make_therapist()
    start = datetime(2026, 6, 2, 9, 0, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    db.session.add(raw_booking(therapist, first_session, start, n=1))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(select(Booking.start_utc))
    assert stored == start
    assert stored.tzinfo == UTC


def test_a_naive_datetime_is_never_stored(make_therapist, first_session):
    therapist = make_therapist()
    booking = raw_booking(therapist, first_session, berlin("2026-06-02", "09:00"), n=1)
    booking.consent_at = datetime(2026, 6, 1, 10, 0)
    db.session.add(booking)
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_check_constraints_refuse_a_booking_that_ends_before_it_starts(
        make_therapist, first_session):
    therapist = make_therapist()
    booking = raw_booking(therapist, first_session, berlin("2026-06-02", "09:00"), n=1)
    booking.end_utc = booking.start_utc - timedelta(minutes=1)
    db.session.add(booking)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def _pooled_backend() -> int:
    """The server process of the session's pooled connection, back in the pool."""
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.commit()
    return pid


@postgresql_only
def test_a_connection_the_server_dropped_while_it_sat_idle_is_replaced_before_use(
        app, monkeypatch):
    pid = _pooled_backend()
    with create_engine(db.engine.url, poolclass=NullPool).connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    monkeypatch.setattr(database, "IDLE_BEFORE_PING", 0.0)  # it sat idle long enough

    assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid


def test_a_connection_in_steady_use_is_not_asked_whether_it_still_works(app, monkeypatch):
    pings = []
    monkeypatch.setattr(db.engine.dialect, "do_ping", pings.append)
    db.session.scalar(text("SELECT 1"))
    db.session.commit()
    db.session.scalar(text("SELECT 1"))  # a moment later, as on a busy worker
    db.session.commit()
    assert pings == []

    monkeypatch.setattr(database, "IDLE_BEFORE_PING", 0.0)
    db.session.scalar(text("SELECT 1"))
    assert len(pings) == 1
