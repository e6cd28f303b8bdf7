"""'Add to Google Calendar' and 'Add to Outlook.com' links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from booking.calendar import google_calendar_link, outlook_calendar_link
from tests.calendar.helpers import make_event

START = datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, the day clocks go back
DESCRIPTION = "Schön, dass Sie kommen!\nLink: https://meet.example/r?a=1&b=2#x; 100% sicher + frei"
LOCATION = "Straße 1, 50667 Köln & online"


def linked_event():
    return make_event(start=START, end=START + timedelta(minutes=50),
                      summary="Erstgespräch & mehr", description=DESCRIPTION, location=LOCATION)


def query(url: str) -> dict[str, str]:
    parts = parse_qs(urlsplit(url).query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parts.values())
    return {key: values[0] for key, values in parts.items()}


def test_google_link_carries_title_utc_dates_details_and_location():
    url = google_calendar_link(linked_event())
    assert url.startswith("https://calendar.google.com/calendar/render?")
    assert query(url) == {
        "action": "TEMPLATE",
        "text": "Erstgespräch & mehr",
        "dates": "20261025T090000Z/20261025T095000Z",
        "details": DESCRIPTION,
        "location": LOCATION,
    }


def test_outlook_link_carries_subject_utc_dates_body_and_location():
    url = outlook_calendar_link(linked_event())
    assert url.startswith("https://outlook.live.com/calendar/0/deeplink/compose?")
    assert query(url) == {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": "Erstgespräch & mehr",
        "startdt": "2026-10-25T09:00:00Z",
        "enddt": "2026-10-25T09:50:00Z",
        "body": DESCRIPTION,
        "location": LOCATION,
    }


@pytest.mark.parametrize("link", [google_calendar_link, outlook_calendar_link])
def test_links_encode_spaces_as_percent_20_because_outlook_shows_plus_literally(link):
    url = link(linked_event())
    assert "+" not in url and "%20" in url and " " not in url and "\n" not in url


@pytest.mark.parametrize("link", [google_calendar_link, outlook_calendar_link])
def test_links_leave_out_empty_details_and_location(link):
    params = query(link(make_event(description="", location="")))
    assert not {"details", "body", "location"} & set(params)


def test_links_convert_a_non_utc_start_to_utc():
    berlin_start = START.astimezone(ZoneInfo("Europe/Berlin"))
    event = make_event(start=berlin_start, end=berlin_start + timedelta(minutes=50))
    assert query(google_calendar_link(event))["dates"] == "20261025T090000Z/20261025T095000Z"
    assert query(outlook_calendar_link(event))["startdt"] == "2026-10-25T09:00:00Z"
