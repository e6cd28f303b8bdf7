"""How times and stretches of time read on the therapist's pages."""

from datetime import timedelta

import pytest

from booking.web.presenting import local_period, short_datetime
from tests.support import berlin

ZONE = berlin("2026-11-27", "00:00").tzinfo


@pytest.fixture
def german(app):
    with app.test_request_context("/?lang=de"):
        yield


@pytest.mark.parametrize("start, end, shown", [
    (berlin("2026-11-27", "00:00"), berlin("2026-11-28", "00:00"), "27.11.2026"),
    (berlin("2026-11-27", "00:00"), berlin("2026-11-30", "00:00"), "27.11.2026 – 29.11.2026"),
    (berlin("2026-11-27", "09:00"), berlin("2026-11-27", "11:00"), "27.11.2026, 09:00 – 11:00"),
    (berlin("2026-11-27", "14:00"), berlin("2026-11-28", "10:00"),
     "27.11.2026, 14:00 – 28.11.2026, 10:00"),
])
def test_time_off_reads_as_days_or_hours_as_it_was_meant(german, start, end, shown):
    assert local_period(start, end, ZONE) == shown


def test_times_on_workspace_pages_are_to_the_minute(german):
    assert short_datetime(berlin("2026-11-24", "00:04") + timedelta(seconds=59), ZONE) == (
        "24.11.2026, 00:04")
