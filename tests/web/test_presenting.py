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


@pytest.mark.parametrize("start, end, shown", [
    (berlin("2026-11-27", "14:00"), berlin("2026-11-28", "00:00"), "27.11.2026, 14:00 – 24:00"),
    (berlin("2026-11-27", "14:00"), berlin("2026-11-29", "00:00"),
     "27.11.2026, 14:00 – 28.11.2026, 24:00"),
])
def test_time_off_from_an_hour_to_the_end_of_the_day_ends_at_midnight_not_the_next_day(
        german, start, end, shown):
    assert local_period(start, end, ZONE) == shown


def test_time_off_to_the_end_of_the_day_reads_as_midnight_in_english(app):
    with app.test_request_context("/?lang=en"):
        shown = local_period(berlin("2026-11-27", "14:00"), berlin("2026-11-28", "00:00"), ZONE)
    assert shown.endswith("– midnight")
    assert "Nov 28" not in shown


def test_times_on_workspace_pages_are_to_the_minute(german):
    assert short_datetime(berlin("2026-11-24", "00:04") + timedelta(seconds=59), ZONE) == (
        "24.11.2026, 00:04")
