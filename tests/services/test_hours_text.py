"""A day's hours as a therapist types them."""

from datetime import time

import pytest

from booking.services.hours import HoursProblem, parse_day


@pytest.mark.parametrize("text", ["09:00-12:30", "9-12:30", "9.00 – 12.30", "9:00 bis 12:30 Uhr",
                                  "09:00 to 12:30"])
def test_the_usual_ways_of_writing_hours_are_understood(text):
    assert parse_day(text) == [(time(9), time(12, 30))]


def test_several_intervals_come_back_sorted():
    assert parse_day("14-17, 9-12") == [(time(9), time(12)), (time(14), time(17))]


@pytest.mark.parametrize("text, code", [
    ("14-12", "reversed"), ("9-12, 11-13", "overlap"), ("neun bis zwölf", "format"),
    ("25-26", "not_a_time"), ("9:75-12", "not_a_time"),
])
def test_hours_that_cannot_be_meant_are_named(text, code):
    with pytest.raises(HoursProblem) as problem:
        parse_day(text)
    assert problem.value.code == code
