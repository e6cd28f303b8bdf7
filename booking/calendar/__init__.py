"""iCalendar for bookings: invitations, downloads, feeds and add-to-calendar
links. Pure: no Flask, no database, no clock."""

from booking.calendar.events import CalendarEvent, Person
from booking.calendar.ics import DEFAULT_PRODID, download, feed, invite
from booking.calendar.links import google_calendar_link, outlook_calendar_link

__all__ = [
    "DEFAULT_PRODID",
    "CalendarEvent",
    "Person",
    "download",
    "feed",
    "google_calendar_link",
    "invite",
    "outlook_calendar_link",
]
