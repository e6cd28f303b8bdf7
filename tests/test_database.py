"""What the database itself guarantees, whatever code writes to it."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from booking.extensions import db
from booking.models import Booking, BookingStatus
from tests.conftest import FIXED_NOW
from tests.support import berlin


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
postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


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
