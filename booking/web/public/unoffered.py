"""Why a chosen start is not offered, so the booking form can say so at once instead of
showing the form for a time nobody could book (and then blaming someone else for it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from booking.models import SessionType, Therapist
from booking.public_holidays import PRACTICE_ZONE
from booking.services import closing, matching


@dataclass(frozen=True)
class NotOffered:
    """`reason` is "past" (in the past or sooner than the minimum notice), "closed" (a
    public holiday or closing day, named in `closed_because`) or "taken" (anything else:
    booked, outside the hours, off the grid)."""

    reason: str
    closed_because: str = ""


def why_not_offered(start: datetime, members: list[Therapist], session_type: SessionType, *,
                    now: datetime, holiday_state: str, locale: str) -> NotOffered | None:
    """None when one of `members` is free at `start`; otherwise why the time is not
    offered, the reason that helps the visitor most first."""
    free = matching.team_slots(members, session_type, now=now, start=start,
                               end=start + timedelta(days=1), holiday_state=holiday_state)
    if any(slot.start == start for slot in free):
        return None
    # The shortest notice of the team: a time sooner than that nobody could take.
    notice = min((timedelta(minutes=m.rules.minimum_notice_minutes)
                  for m in members if m.rules is not None), default=timedelta(0))
    if start < now + notice:
        return NotOffered("past")
    day = start.astimezone(PRACTICE_ZONE).date()
    closed = closing.closed_days(day, day, holiday_state=holiday_state, locale=locale)
    if day in closed:
        return NotOffered("closed", closed[day])
    return NotOffered("taken")
