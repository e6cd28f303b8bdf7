"""`booking busy-calendar`: add, list, remove and refresh a therapist's calendars;
one-line errors, nothing half-written, and never the secret part of an address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from booking.extensions import db
from booking.models import BusyCalendar, BusyInterval
from tests.busy.server import PRACTICE_ICS, CalendarServer, running
from tests.support import reconfigure

SECRET = "5ecret7oken0815"


@pytest.fixture
def server() -> Iterator[CalendarServer]:
    with running() as server:
        yield server


@pytest.fixture
def cli(app):
    reconfigure(app, BUSY_ALLOWED_HOSTS=("127.0.0.1",), BUSY_FETCH_TIMEOUT_SECONDS=0.5)
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = runner.invoke(args=["busy-calendar", *args])
        assert "Traceback" not in result.output
        assert SECRET not in result.output
        return result

    return invoke


@pytest.fixture
def therapist(make_therapist):
    return make_therapist(horizon_days=180)


def count(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_add_reads_the_calendar_at_once_and_list_shows_only_its_host(cli, therapist, server):
    url = server.serve(body=PRACTICE_ICS)
    added = cli("add", "T1@Praxis.example", url, "--label", "Privat")
    assert added.exit_code == 0, added.output
    assert added.output.splitlines() == [
        "Added busy calendar #1 (127.0.0.1) for t1@praxis.example.",
        "#1: read, 6 busy interval(s)",
    ]
    listed = cli("list", therapist.email)
    assert listed.exit_code == 0
    assert listed.output.startswith("#1  Privat  127.0.0.1  last read: 2026-06-01 08:00 UTC")


def test_a_first_read_that_fails_keeps_the_calendar_and_says_why(cli, therapist, server):
    result = cli("add", therapist.email, server.serve(status=404))
    assert result.exit_code == 0
    assert "#1: not read: HTTP 404 from 127.0.0.1" in result.output
    assert "last error: HTTP 404 from 127.0.0.1" in cli("list", therapist.email).output


def test_refresh_reads_all_calendars_or_one_therapists(cli, therapist, make_therapist, server):
    other = make_therapist(horizon_days=180)
    cli("add", therapist.email, server.serve("/a.ics", body=PRACTICE_ICS))
    cli("add", other.email, server.serve("/b.ics", status=500))
    assert cli("refresh").stdout.splitlines() == [  # log lines go to stderr
        "#1: read, 6 busy interval(s)",
        "#2: not read: HTTP 500 from 127.0.0.1 (the last good busy times stay in use)",
    ]
    assert cli("refresh", other.email).stdout.splitlines()[0].startswith("#2: not read")
    assert [r.path for r in server.requests] == ["/a.ics", "/b.ics"] * 2 + ["/b.ics"]


def test_remove_takes_the_calendar_and_its_busy_time(cli, therapist, server):
    cli("add", therapist.email, server.serve(body=PRACTICE_ICS))
    assert count(BusyInterval) == 6
    result = cli("remove", therapist.email, "1")
    assert result.exit_code == 0
    assert result.output == "Removed busy calendar #1 of t1@praxis.example.\n"
    assert (count(BusyCalendar), count(BusyInterval)) == (0, 0)
    assert cli("list", therapist.email).output == "t1@praxis.example has no busy calendars.\n"


@pytest.mark.parametrize("command", [
    ["add", "nobody@praxis.example", "https://calendar.example/x.ics"],
    ["list", "nobody@praxis.example"],
    ["remove", "nobody@praxis.example", "1"],
    ["refresh", "nobody@praxis.example"],
])
def test_an_unknown_therapist_gets_a_one_line_error(cli, therapist, command):
    line = one_line_error(cli(*command))
    assert line == "Error: no therapist with email nobody@praxis.example"
    assert count(BusyCalendar) == 0


@pytest.mark.parametrize("address, message", [
    (f"http://10.0.0.8/remote.php/dav/public-calendars/{SECRET}?export",
     "10.0.0.8 is not on the public internet"),
    (f"http://169.254.169.254/{SECRET}", "169.254.169.254 is not on the public internet"),
    (f"http://localhost/{SECRET}.ics", "localhost is not on the public internet"),
    ("file:///etc/passwd", "only http, https and webcal calendar addresses can be read"),
    (f"gopher://calendar.example/{SECRET}", "only http, https and webcal"),
])
def test_a_refused_address_gets_a_one_line_error_and_nothing_is_written(
        app, cli, therapist, address, message):
    reconfigure(app, BUSY_ALLOWED_HOSTS=())
    line = one_line_error(cli("add", therapist.email, address))
    assert message in line
    assert count(BusyCalendar) == 0


def test_removing_a_calendar_of_someone_else_is_refused(cli, therapist, make_therapist, server):
    cli("add", therapist.email, server.serve(body=PRACTICE_ICS))
    line = one_line_error(cli("remove", make_therapist().email, "1"))
    assert line == "Error: the therapist has no busy calendar #1"
    assert (count(BusyCalendar), count(BusyInterval)) == (1, 6)


def test_an_overlong_label_is_refused(cli, therapist, server):
    line = one_line_error(cli("add", therapist.email, server.serve(body=PRACTICE_ICS),
                              "--label", "x" * 121))
    assert "label" in line
    assert count(BusyCalendar) == 0 and server.requests == []
