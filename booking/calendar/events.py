"""What a calendar entry for a booking says, independent of any file format.

The values are checked on construction, so that a builder never has to turn
a bad booking into a broken calendar file: a client that meets one invalid
line may drop the whole object (or, for a feed, stop updating it).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")


@dataclass(frozen=True, slots=True)
class Person:
    """Someone on an invitation: the organizer or an attendee.

    `name` may be anything a visitor typed; the builders clean it before it
    becomes a CN parameter. `email` must be a bare address (no "mailto:").
    """

    email: str
    name: str = ""

    def __post_init__(self) -> None:
        bare = "@" in self.email and not self.email.lower().startswith("mailto:")
        if not bare or not _has_no_space_or_control(self.email):
            raise ValueError(f"not a bare e-mail address: {self.email!r}")


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One booking as calendar clients should see it.

    `uid` stays the same for the life of the booking and `sequence` goes up
    with every change clients must apply (new time, cancellation).
    """

    uid: str
    sequence: int
    start: datetime
    end: datetime
    zone: str
    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    status: str = "CONFIRMED"
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()
    created: datetime | None = None
    last_modified: datetime | None = None
    alarm_before: timedelta | None = None

    def __post_init__(self) -> None:
        if not self.uid or not _has_no_space_or_control(self.uid):
            raise ValueError(f"UID must be non-empty, without spaces or controls: {self.uid!r}")
        if self.sequence < 0:
            raise ValueError("SEQUENCE starts at 0")
        require_aware(self.start, "start")
        require_aware(self.end, "end")
        require_aware(self.created, "created", optional=True)
        require_aware(self.last_modified, "last_modified", optional=True)
        if self.end <= self.start:
            raise ValueError("an event must end after it starts")
        zone_info(self.zone)
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")
        if self.url and not _has_no_space_or_control(self.url):
            raise ValueError(f"URL must not contain spaces or controls: {self.url!r}")
        if self.alarm_before is not None and self.alarm_before <= timedelta(0):
            raise ValueError("alarm_before must be positive")


def require_aware(value: datetime | None, label: str, *, optional: bool = False) -> None:
    """Reject naive datetimes: they would become floating times, which Google
    and Outlook place in whatever zone the reader happens to be in."""
    if value is None and optional:
        return
    if value is None or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{label} must be an aware datetime, got {value!r}")


def zone_info(name: str) -> ZoneInfo:
    """The tzdata zone called `name`; ValueError if tzdata does not know it."""
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise ValueError(f"unknown time zone: {name!r}") from error


def _has_no_space_or_control(value: str) -> bool:
    # URI and CAL-ADDRESS values are written unescaped, so a space or control
    # character would either be rejected by parsers or start a new line; a
    # UID is compared verbatim by clients, so it gets the same care.
    if value.isascii():  # the usual case, without a look at each character
        return value.isprintable() and " " not in value
    return not any(char.isspace() or unicodedata.category(char).startswith("C") for char in value)
