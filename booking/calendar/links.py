"""'Add to calendar' links for web calendars that cannot take an .ics file."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from booking.calendar.events import CalendarEvent

GOOGLE_URL = "https://calendar.google.com/calendar/render"
OUTLOOK_URL = "https://outlook.live.com/calendar/0/deeplink/compose"


def google_calendar_link(event: CalendarEvent) -> str:
    """An "Add to Google Calendar" URL: title, UTC start/end, details, location."""
    dates = f"{_compact_utc(event.start)}/{_compact_utc(event.end)}"
    return _url(GOOGLE_URL, {
        "action": "TEMPLATE",
        "text": event.summary,
        "dates": dates,
        "details": event.description,
        "location": event.location,
    })


def outlook_calendar_link(event: CalendarEvent) -> str:
    """An "Add to Outlook.com" URL: subject, UTC start/end, body, location."""
    return _url(OUTLOOK_URL, {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.summary,
        "startdt": _iso_utc(event.start),
        "enddt": _iso_utc(event.end),
        "body": event.description,
        "location": event.location,
    })


def _url(base: str, params: dict[str, str]) -> str:
    # %20 rather than "+" for spaces: Outlook shows a "+" literally.
    filled = {key: value for key, value in params.items() if value}
    return f"{base}?{urlencode(filled, quote_via=quote, safe='/')}"


def _compact_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
