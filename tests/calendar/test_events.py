"""A CalendarEvent or Person that would make a broken or floating calendar
entry is refused when it is made, not when a client chokes on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.calendar import Person
from tests.calendar.helpers import make_event

START = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "changes",
    [
        {"start": START.replace(tzinfo=None), "end": START + timedelta(hours=1)},
        {"start": START, "end": (START + timedelta(hours=1)).replace(tzinfo=None)},
        {"created": datetime(2026, 6, 1, 8, 0)},
        {"last_modified": datetime(2026, 6, 1, 8, 0)},
        {"start": START, "end": START},
        {"start": START, "end": START - timedelta(minutes=1)},
        {"zone": "Europe/Atlantis"},
        {"zone": ""},
        {"status": "DECLINED"},
        {"sequence": -1},
        {"uid": ""},
        {"uid": "abc@x.example\r\nX-INJECTED:1"},
        {"url": "https://termine.praxis.example/b/abc\r\nX-INJECTED:1"},
        {"url": "https://termine.praxis.example/b/a b"},
        {"alarm_before": timedelta(0)},
    ],
    ids=["naive-start", "naive-end", "naive-created", "naive-last-modified", "empty",
         "negative", "unknown-zone", "no-zone", "unknown-status", "negative-sequence",
         "empty-uid", "uid-with-newline", "url-with-newline", "url-with-space", "zero-alarm"],
)
def test_event_that_cannot_be_written_correctly_is_refused(changes):
    with pytest.raises(ValueError):
        make_event(**changes)


@pytest.mark.parametrize(
    "email",
    ["", "no-at-sign", "mailto:a@b.example", "a@b.example\r\nX-INJECTED:1", "a b@c.example",
     "a@b.example\x00"],
)
def test_person_needs_a_bare_email_address(email):
    with pytest.raises(ValueError):
        Person(email, "Maria Muster")


def test_person_name_may_be_anything_a_visitor_types():
    assert Person("a@b.example", 'Alex "AC"\nO\'Brien').name == 'Alex "AC"\nO\'Brien'
