"""A therapist's own calendars take their busy time out of the public offer, keep
the last good busy time when a read fails, and are read again when due."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from booking import worker
from booking.busy import fetch
from booking.errors import AddressRefused, AlreadyExists, NotFound
from booking.extensions import db
from booking.models import BusyCalendar, BusyInterval
from booking.services import busy_calendars, schedule
from booking.services.busy_calendars import Outcome, RefreshSettings
from tests.busy.server import PRACTICE_ICS, CalendarServer, Reply, running
from tests.conftest import FIXED_NOW
from tests.support import berlin, reconfigure

HORIZON = timedelta(days=180)
SECRET = "5ecret7oken0815"
# The slots the practice calendar (tests/busy/files/practice.ics) takes away from
# a therapist with the usual weekday hours (starts 9:00, 10:00, 11:00, 13:30,
# 14:30, 15:30 for a 50-minute first consultation).
TAKEN = {
    berlin("2026-10-13", "10:00"),  # weekly supervision, summer time
    berlin("2026-10-15", "13:30"), berlin("2026-10-15", "14:30"),  # 12:00-13:00 UTC
    berlin("2026-10-27", "10:00"),  # the same series after the clocks went back
    berlin("2026-11-04", "14:30"),  # the occurrence of 11-03, moved
    *(berlin("2026-11-05", t) for t in ("09:00", "10:00", "11:00", "13:30", "14:30", "15:30")),
    berlin("2026-11-10", "10:00"),
}


@pytest.fixture
def server() -> Iterator[CalendarServer]:
    with running() as server:
        yield server


@pytest.fixture
def settings(app) -> RefreshSettings:
    reconfigure(app, BUSY_ALLOWED_HOSTS=("127.0.0.1",), BUSY_FETCH_TIMEOUT_SECONDS=0.5,
                BUSY_MAX_BYTES=64 * 1024)
    return RefreshSettings.from_config(app.config)


@pytest.fixture
def therapist(make_therapist):
    return make_therapist(horizon_days=HORIZON.days)


def add(therapist, url: str, settings: RefreshSettings) -> int:
    return busy_calendars.add_busy_calendar(therapist.id, url, now=FIXED_NOW,
                                            policy=settings.fetch).id


def offered(therapist, session_type, now: datetime = FIXED_NOW) -> set[datetime]:
    db.session.rollback()
    return {slot.start for slot in schedule.free_slots(therapist, session_type, now=now,
                                                       start=now, end=now + HORIZON,
                                                       holiday_state="BE")}


def stored(calendar_id: int) -> list[tuple[datetime, datetime]]:
    db.session.rollback()
    return list(db.session.execute(
        select(BusyInterval.start_utc, BusyInterval.end_utc)
        .where(BusyInterval.calendar_id == calendar_id).order_by(BusyInterval.start_utc)))


def calendar_row(calendar_id: int) -> BusyCalendar:
    db.session.rollback()
    return db.session.get(BusyCalendar, calendar_id)


def refresh(calendar_id: int, settings: RefreshSettings, now: datetime = FIXED_NOW):
    return busy_calendars.refresh_calendar(calendar_id, now=now, settings=settings)


def test_a_therapists_calendar_takes_exactly_its_busy_slots_off_the_offer(
        therapist, first_session, server, settings):
    before = offered(therapist, first_session)
    calendar_id = add(therapist, server.serve(body=PRACTICE_ICS), settings)
    assert offered(therapist, first_session) == before  # nothing read yet

    refreshed = refresh(calendar_id, settings)

    assert refreshed.outcome is Outcome.UPDATED
    after = offered(therapist, first_session)
    assert before - after == TAKEN
    assert after <= before
    row = calendar_row(calendar_id)
    assert (row.last_success_at, row.last_attempt_at, row.last_error) == (
        FIXED_NOW, FIXED_NOW, "")


def good_then(server: CalendarServer, therapist, settings, clock) -> tuple[int, list]:
    """A calendar read well once, ten minutes and more ago."""
    calendar_id = add(therapist, server.serve(body=PRACTICE_ICS, headers={"ETag": '"v1"'}),
                      settings)
    assert refresh(calendar_id, settings).outcome is Outcome.UPDATED
    clock.advance(timedelta(minutes=11))
    return calendar_id, stored(calendar_id)


@pytest.mark.parametrize("reply, error, problem", [
    (Reply(status=500, body=b"Internal Server Error"), "HTTP 500 from 127.0.0.1",
     {"code": "http_status", "host": "127.0.0.1", "status": 500}),
    (Reply(stall=True), "could not read from 127.0.0.1: timed out",
     {"code": "unreadable", "host": "127.0.0.1"}),
    (Reply(body=b"<html><body>Bitte melden Sie sich an</body></html>"),
     "the calendar is not a readable iCalendar file", {"code": "format"}),
    (Reply(body=PRACTICE_ICS + b" " * 64 * 1024),
     "the calendar from 127.0.0.1 is larger than 64 KiB",
     {"code": "too_large", "host": "127.0.0.1", "limit": 64}),
    (Reply(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
     "redirected to a refused address: 169.254.169.254 is not on the public internet",
     {"code": "redirect_refused", "host": "169.254.169.254"}),
], ids=["http-500", "timeout", "garbage", "too-large", "redirect-to-metadata"])
def test_a_failed_read_keeps_the_last_good_busy_time_and_records_why(
        therapist, first_session, server, settings, clock, caplog, reply, error, problem):
    calendar_id, good = good_then(server, therapist, settings, clock)
    server.serve(reply=reply)

    with caplog.at_level(logging.INFO):
        [refreshed] = busy_calendars.refresh_due(now=clock.now(), settings=settings)

    assert refreshed.outcome is Outcome.FAILED
    assert refreshed.error.startswith(error)
    assert stored(calendar_id) == good
    assert offered(therapist, first_session, clock.now()) & TAKEN == set()
    row = calendar_row(calendar_id)
    assert row.last_error.startswith(error)
    assert row.last_problem == problem  # for the page, in the therapist's language
    assert (row.last_success_at, row.last_attempt_at) == (FIXED_NOW, clock.now())
    assert row.etag == '"v1"'
    assert SECRET not in row.last_error
    assert SECRET not in caplog.text and "basic.ics" not in caplog.text


def test_not_modified_keeps_the_busy_time_and_counts_as_success(
        therapist, server, settings, clock):
    calendar_id, good = good_then(server, therapist, settings, clock)
    server.serve(status=500)
    busy_calendars.refresh_due(now=clock.now(), settings=settings)
    clock.advance(timedelta(minutes=11))
    server.serve(body=b"never sent: the ETag matches", headers={"ETag": '"v1"'})

    [refreshed] = busy_calendars.refresh_due(now=clock.now(), settings=settings)

    assert refreshed.outcome is Outcome.UNCHANGED
    assert server.requests_for()[-1].headers["If-None-Match"] == '"v1"'
    assert stored(calendar_id) == good
    row = calendar_row(calendar_id)
    assert (row.last_success_at, row.last_attempt_at, row.last_error) == (
        clock.now(), clock.now(), "")


def test_the_first_read_of_a_day_is_a_full_one_so_busy_time_follows_the_horizon(
        therapist, server, settings, clock):
    daily = PRACTICE_ICS.replace(b"END:VCALENDAR", b"""BEGIN:VEVENT\r
UID:daily@test\r
DTSTAMP:20260601T070000Z\r
DTSTART;TZID=Europe/Berlin:20260602T070000\r
DTEND;TZID=Europe/Berlin:20260602T080000\r
RRULE:FREQ=DAILY\r
END:VEVENT\r
END:VCALENDAR""")
    calendar_id = add(therapist, server.serve(body=daily, headers={"ETag": '"v1"'}), settings)
    refresh(calendar_id, settings)
    first_end = stored(calendar_id)[-1][1]
    assert first_end > FIXED_NOW + HORIZON  # a margin past the horizon

    clock.advance(timedelta(hours=10))
    assert refresh(calendar_id, settings, clock.now()).outcome is Outcome.UNCHANGED
    clock.set(FIXED_NOW + timedelta(days=1))
    assert refresh(calendar_id, settings, clock.now()).outcome is Outcome.UPDATED

    conditional = ["If-None-Match" in r.headers for r in server.requests_for()]
    assert conditional == [False, True, False]
    assert stored(calendar_id)[-1][1] == first_end + timedelta(days=1)


def test_a_changed_calendar_replaces_its_busy_time_whole(
        therapist, first_session, server, settings, clock):
    before = offered(therapist, first_session)
    calendar_id, _ = good_then(server, therapist, settings, clock)
    server.serve(body=b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
                      b"BEGIN:VEVENT\r\nUID:only@test\r\nDTSTAMP:20260601T070000Z\r\n"
                      b"DTSTART:20261016T120000Z\r\nDTEND:20261016T130000Z\r\n"
                      b"END:VEVENT\r\nEND:VCALENDAR\r\n", headers={"ETag": '"v2"'})

    [refreshed] = busy_calendars.refresh_due(now=clock.now(), settings=settings)

    assert refreshed.outcome is Outcome.UPDATED
    assert before - offered(therapist, first_session) == {
        berlin("2026-10-16", "13:30"), berlin("2026-10-16", "14:30")}
    assert calendar_row(calendar_id).etag == '"v2"'


def test_a_calendar_being_read_is_not_read_by_a_second_worker_meanwhile(
        app, therapist, server, settings):
    add(therapist, server.serve(stall=True), settings)
    first = threading.Thread(target=worker.run_once, args=(app,))
    first.start()
    try:
        assert server.received.wait(5)
        assert worker.run_once(app) == 0
    finally:
        first.join()
    assert len(server.requests) == 1


def test_a_worker_round_reads_due_calendars_and_leaves_fresh_ones(
        app, therapist, make_therapist, server, settings, clock):
    other = make_therapist(horizon_days=HORIZON.days)
    never = add(therapist, server.serve("/never.ics", body=PRACTICE_ICS), settings)
    stale = add(other, server.serve("/stale.ics", body=PRACTICE_ICS), settings)
    fresh = add(therapist, server.serve("/fresh.ics", body=PRACTICE_ICS), settings)
    attempts = {stale: FIXED_NOW - timedelta(minutes=10), fresh: FIXED_NOW - timedelta(minutes=9)}
    for calendar_id, attempt in attempts.items():
        calendar_row(calendar_id).last_attempt_at = attempt
    db.session.commit()

    assert worker.run_once(app) == 2

    assert sorted(r.path for r in server.requests) == ["/never.ics", "/stale.ics"]
    assert stored(never) and stored(stale) and not stored(fresh)
    assert worker.run_once(app) == 0
    assert len(server.requests) == 2
    clock.advance(timedelta(minutes=1))
    assert worker.run_once(app) == 1
    assert server.requests[-1].path == "/fresh.ics"


def test_a_calendar_that_breaks_the_reader_fails_alone(
        therapist, server, settings, monkeypatch, caplog):
    odd = add(therapist, server.serve("/odd.ics", body=PRACTICE_ICS.replace(
        b"SUMMARY:Supervision\r", b"SUMMARY:Therapie mit Frau K.\r")), settings)
    fine = add(therapist, server.serve("/fine.ics", body=PRACTICE_ICS), settings)
    expand = busy_calendars.expand.busy_intervals

    def fragile(ics: bytes, **window):
        if b"Frau K." in ics:
            raise TypeError("cannot compare 'Therapie mit Frau K.'")
        return expand(ics, **window)

    monkeypatch.setattr(busy_calendars.expand, "busy_intervals", fragile)

    with caplog.at_level(logging.INFO):
        results = busy_calendars.refresh_due(now=FIXED_NOW, settings=settings)

    assert [(r.calendar_id, r.outcome) for r in results] == [
        (odd, Outcome.FAILED), (fine, Outcome.UPDATED)]
    assert calendar_row(odd).last_error == "could not be read (TypeError)"
    assert "Frau K." not in caplog.text


def test_a_round_with_nothing_due_only_reads(therapist, server, settings):
    calendar_id = add(therapist, server.serve(body=PRACTICE_ICS), settings)
    refresh(calendar_id, settings)
    db.session.rollback()
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert busy_calendars.refresh_due(now=FIXED_NOW + timedelta(minutes=5),
                                          settings=settings) == []
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert [s for s in statements if s.startswith("SELECT")] != []
    writes = ("INSERT", "UPDATE", "DELETE", "IMMEDIATE", "FOR UPDATE")
    assert [s for s in statements if any(word in s for word in writes)] == []
    assert len(server.requests) == 1


def test_removing_a_calendar_gives_its_busy_time_back(
        therapist, first_session, server, settings):
    before = offered(therapist, first_session)
    calendar_id = add(therapist, server.serve(body=PRACTICE_ICS), settings)
    refresh(calendar_id, settings)

    busy_calendars.remove_busy_calendar(therapist.id, calendar_id)

    assert offered(therapist, first_session) == before
    assert db.session.scalar(select(func.count()).select_from(BusyInterval)) == 0


def test_a_calendar_of_someone_else_cannot_be_removed(
        therapist, make_therapist, server, settings):
    calendar_id = add(therapist, server.serve(body=PRACTICE_ICS), settings)
    refresh(calendar_id, settings)
    with pytest.raises(NotFound):
        busy_calendars.remove_busy_calendar(make_therapist().id, calendar_id)
    assert calendar_row(calendar_id) is not None and stored(calendar_id)


def test_a_calendar_removed_while_it_is_read_stays_removed(
        therapist, server, settings, monkeypatch):
    calendar_id = add(therapist, server.serve(body=PRACTICE_ICS), settings)
    read = fetch.fetch

    def read_then_remove(*args, **kwargs):
        fetched = read(*args, **kwargs)
        busy_calendars.remove_busy_calendar(therapist.id, calendar_id)
        return fetched

    monkeypatch.setattr(fetch, "fetch", read_then_remove)

    assert refresh(calendar_id, settings).outcome is Outcome.GONE
    assert calendar_row(calendar_id) is None and stored(calendar_id) == []


@pytest.mark.parametrize("address", [
    "http://10.0.0.8/remote.php/dav/public-calendars/5ecret7oken0815?export",
    "http://169.254.169.254/latest/meta-data/",
    "http://localhost/calendar.ics",
    "file:///etc/passwd",
])
def test_an_address_that_may_not_be_read_is_not_added(app, therapist, address):
    settings = RefreshSettings.from_config(app.config)  # nothing allowlisted
    with pytest.raises(AddressRefused) as refused:
        add(therapist, address, settings)
    assert SECRET not in str(refused.value)
    assert db.session.scalar(select(func.count()).select_from(BusyCalendar)) == 0


def test_webcal_is_stored_as_https_and_the_same_address_is_not_added_twice(
        therapist, settings):
    calendar_id = add(therapist, "webcal://127.0.0.1/x.ics", settings)
    with pytest.raises(AlreadyExists):
        add(therapist, "https://127.0.0.1/x.ics", settings)
    assert calendar_row(calendar_id).url == "https://127.0.0.1/x.ics"
    assert db.session.scalar(select(func.count()).select_from(BusyCalendar)) == 1


def test_the_database_keeps_each_address_once_per_therapist(therapist, make_therapist):
    """The service checks first; the constraint decides when two requests add it at once."""
    url = "https://calendar.example.org/private.ics"
    colleague = make_therapist()
    db.session.add_all([BusyCalendar(therapist_id=therapist.id, url=url, created_at=FIXED_NOW),
                        BusyCalendar(therapist_id=colleague.id, url=url, created_at=FIXED_NOW)])
    db.session.commit()  # the same address for two therapists is fine
    db.session.add(BusyCalendar(therapist_id=therapist.id, url=url, created_at=FIXED_NOW))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_a_failing_mail_step_does_not_keep_busy_calendars_from_being_read(
        app, therapist, server, settings):
    """Stale busy time would let visitors book over the therapist's other appointments."""
    calendar_id = add(therapist, server.serve(body=PRACTICE_ICS), settings)
    app.config["MAIL_URL"] = "smtp://praxis:hunter2@relay.example"  # refused by the transport
    with pytest.raises(ValueError, match="unencrypted"):
        worker.run_once(app)
    assert stored(calendar_id)
