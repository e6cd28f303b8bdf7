"""The schedule version: every write that changes what visitors are offered moves it,
in the writing transaction, whoever writes (the page and slot caches rely on it)."""

from __future__ import annotations

from datetime import UTC, time, timedelta

import pytest
from sqlalchemy import delete, select

from booking.extensions import db
from booking.models import (
    BusyCalendar,
    BusyInterval,
    SessionType,
    Therapist,
    TimeOff,
    WebhookEndpoint,
    WorkingHours,
)
from booking.services import bookings, schedule
from tests.conftest import FIXED_NOW
from tests.support import WEDNESDAY_9


def versions() -> dict[int, int]:
    db.session.rollback()  # what is committed, as another server would read it
    return dict(db.session.execute(select(Therapist.id, Therapist.schedule_version)).all())


@pytest.fixture
def pair(make_therapist, first_session) -> tuple[Therapist, Therapist]:
    return make_therapist(), make_therapist()


def test_a_booking_moves_its_therapists_version_and_no_one_elses(pair, make_booking, policy,
                                                                  token_of):
    anna, ben = pair
    before = versions()
    booking = make_booking(anna)
    after = versions()
    assert after[anna.id] > before[anna.id] and after[ben.id] == before[ben.id]
    bookings.cancel_by_visitor(token_of(booking), reason="", now=FIXED_NOW, policy=policy)
    assert versions()[anna.id] > after[anna.id]


def test_hours_time_off_and_rules_move_the_version_when_added_changed_or_deleted(pair):
    anna, ben = pair
    steps = [
        lambda: db.session.add(TimeOff(therapist_id=anna.id, start_utc=FIXED_NOW,
                                       end_utc=FIXED_NOW + timedelta(hours=2))),
        lambda: setattr(db.session.scalar(select(TimeOff)), "end_utc",
                        FIXED_NOW + timedelta(hours=3)),
        lambda: db.session.delete(db.session.scalar(select(TimeOff))),
        lambda: db.session.add(WorkingHours(therapist_id=anna.id, weekday=5,
                                            start_time=time(9), end_time=time(12))),
        lambda: setattr(db.session.get(Therapist, anna.id).rules, "minimum_notice_minutes", 60),
        lambda: setattr(db.session.get(Therapist, anna.id), "display_name", "Anna Neu"),
    ]
    for step in steps:
        before = versions()
        step()
        db.session.commit()
        after = versions()
        assert after[anna.id] > before[anna.id] and after[ben.id] == before[ben.id]


def test_a_busy_calendars_refresh_by_bulk_delete_moves_only_its_therapists_version(pair):
    anna, ben = pair
    calendar = BusyCalendar(therapist_id=anna.id, url="https://cal.example/a.ics",
                            created_at=FIXED_NOW)
    db.session.add(calendar)
    db.session.commit()
    db.session.add(BusyInterval(calendar_id=calendar.id, therapist_id=anna.id,
                                start_utc=FIXED_NOW, end_utc=FIXED_NOW + timedelta(hours=1)))
    db.session.commit()
    before = versions()
    db.session.execute(delete(BusyInterval).where(BusyInterval.calendar_id == calendar.id))
    db.session.commit()
    after = versions()
    assert after[anna.id] > before[anna.id] and after[ben.id] == before[ben.id]
    db.session.delete(db.session.get(BusyCalendar, calendar.id))  # its intervals go with it
    db.session.commit()
    assert versions()[anna.id] > after[anna.id]


def test_a_session_type_change_moves_everyones_version(pair, first_session):
    before = versions()
    db.session.get(SessionType, first_session.id).duration_minutes = 45
    db.session.commit()
    after = versions()
    assert all(after[id_] > before[id_] for id_ in before)
    assert schedule.version() != (len(before), sum(before.values()), max(before))


def test_writes_that_change_no_ones_free_time_leave_the_versions(pair):
    before = versions()
    db.session.add(WebhookEndpoint(url="https://hooks.example/in", events=["booking.requested"],
                                   nonce="n" * 32, created_at=FIXED_NOW))
    db.session.commit()
    assert versions() == before


def test_a_rolled_back_write_leaves_the_version(pair):
    anna, _ = pair
    before = versions()
    db.session.add(TimeOff(therapist_id=anna.id, start_utc=WEDNESDAY_9.astimezone(UTC),
                           end_utc=WEDNESDAY_9.astimezone(UTC) + timedelta(hours=1)))
    db.session.flush()
    db.session.rollback()
    assert versions() == before


def test_a_new_or_removed_therapist_changes_the_practices_version(make_therapist):
    make_therapist()
    before = schedule.version()
    newcomer = make_therapist()
    assert schedule.version() != before
    with_newcomer = schedule.version()
    db.session.delete(db.session.get(Therapist, newcomer.id))
    db.session.commit()
    assert schedule.version() not in (with_newcomer,)
