"""A booking as a calendar event, in the words of its reader's language.

One mapping for the mailed invitations, the visitor's download and the
add-to-calendar links, so that all of them describe the same event: same UID,
same SEQUENCE, same neutral wording (never therapy details or the visitor's
message).

The therapist's copy lands in whatever calendar the therapist uses, often a cloud
service elsewhere; like their feed it names the client by initials only and links
to the workspace, unless the therapist chose full details for their calendar.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from flask_babel import force_locale, gettext

from booking import calendar
from booking.calendar import CalendarEvent, Person
from booking.models import Booking, Therapist

REMINDER_ALARM = timedelta(minutes=30)
# The client in the therapist's neutral copy. iTIP wants an attendee in every
# REQUEST and CANCEL (RFC 5546 §3.2.2, §3.2.5); an address under .invalid (RFC 6761)
# can never receive mail, so a calendar that writes to attendees when the therapist
# edits the entry reaches no one, and the client's address stays out of it.
ANONYMOUS_CLIENT = "client@anonymous.invalid"


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


def therapist_event_for(booking: Booking, *, locale: str, full_details: bool,
                        workspace_url: str, sequence: int | None = None,
                        start: datetime | None = None, end: datetime | None = None,
                        cancelled: bool = False, therapist: Therapist | None = None,
                        uid: str | None = None) -> CalendarEvent:
    """The therapist's copy of the booking's calendar entry: same UID, SEQUENCE and
    times as the visitor's, but titled with the session type and the client's initials,
    with the client as an anonymous attendee and a link to the workspace, where the
    details are. With `full_details` (the therapist's choice for their feed, off by
    default) it carries the client's name, email, phone and message, as the feed does."""
    event = event_for(booking, locale=locale, sequence=sequence, start=start, end=end,
                      cancelled=cancelled, therapist=therapist, uid=uid)
    meeting = event.location
    who = booking.visitor_name if full_details else initials(booking.visitor_name)
    with force_locale(locale):
        lines = [gettext("Online session: %(link)s", link=meeting) if meeting else ""]
        if full_details:
            lines += [booking.visitor_email, booking.visitor_phone, booking.message]
        if workspace_url:
            lines.append(gettext("Details in the workspace: %(link)s", link=workspace_url))
    return dataclasses.replace(
        event,
        summary=f"{booking.session_type.name(locale)} · {who or '?'}",
        description="\n".join(line for line in lines if line),
        attendees=attendees(booking) if full_details else (
            Person(ANONYMOUS_CLIENT, initials(booking.visitor_name)),),
    )


def initials(name: str) -> str:
    """"Kim Beispiel" -> "K. B.": how the therapist's calendar names a client by default."""
    return " ".join(f"{word[0]}." for word in name.split()[:3] if word) or "?"


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
