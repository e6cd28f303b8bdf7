"""A booking as a calendar event, in the words of its reader's language.

One mapping for the mailed invitations, the visitor's download and the
add-to-calendar links, so that all of them describe the same event: same UID,
same SEQUENCE, same neutral wording (never therapy details or the visitor's
message).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import force_locale, gettext

from booking import calendar
from booking.calendar import CalendarEvent, Person
from booking.models import Booking, Therapist

REMINDER_ALARM = timedelta(minutes=30)


def event_for(booking: Booking, *, locale: str, manage_url: str = "",
              sequence: int | None = None, start: datetime | None = None,
              end: datetime | None = None, cancelled: bool = False,
              therapist: Therapist | None = None, uid: str | None = None) -> CalendarEvent:
    """The booking as calendar clients should see it. A message about an earlier state
    passes that state's sequence, times, and (before a handover) therapist and UID.
    The visitor's manage link is written in only when `manage_url` is given: never for
    the therapist's copy or for links that go to other companies' calendar sites."""
    therapist = therapist or booking.therapist
    # The booking's own room; none in the previous therapist's cancelled entry after a
    # hand-over (the room is the new therapist's, and the old entry is going away).
    meeting = booking.meeting_url if therapist.id == booking.therapist_id else ""
    with force_locale(locale):
        summary = gettext("First consultation with %(name)s", name=therapist.display_name)
        lines = [gettext("Online session: %(link)s", link=meeting) if meeting else "",
                 gettext("Change or cancel: %(link)s", link=manage_url) if manage_url else ""]
    return CalendarEvent(
        uid=uid or booking.ical_uid,
        sequence=booking.sequence if sequence is None else sequence,
        start=start or booking.start_utc,
        end=end or booking.end_utc,
        zone=therapist.timezone,
        summary=summary,
        description="\n".join(line for line in lines if line),
        location=meeting,
        url=manage_url,
        status="CANCELLED" if cancelled else booking.ical_status,
        organizer=Person(therapist.email, therapist.display_name),
        attendees=attendees(booking),
        created=booking.created_at,
        last_modified=booking.updated_at,
        alarm_before=None if cancelled or booking.ical_status == "CANCELLED" else REMINDER_ALARM,
    )


def attendees(booking: Booking) -> tuple[Person, ...]:
    people = [Person(booking.visitor_email, booking.visitor_name)]
    if booking.partner_email:
        people.append(Person(booking.partner_email, booking.partner_name))
    return tuple(people)


def download_ics(booking: Booking, *, manage_url: str, locale: str) -> bytes:
    """The visitor's "add to calendar" file: same UID and SEQUENCE as the mails. Without
    METHOD, DTSTAMP means "last revised", so repeated downloads are identical."""
    event = event_for(booking, manage_url=manage_url, locale=locale)
    return calendar.download(event, stamp=booking.updated_at)


def calendar_links(event: CalendarEvent) -> dict[str, str]:
    return {"google": calendar.google_calendar_link(event),
            "outlook": calendar.outlook_calendar_link(event)}
