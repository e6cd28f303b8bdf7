"""The schedules a worker books into, kept between requests.

A booking POST needs of its therapist only the schedule as the slot engine takes it
(schedule.Bookable: zone, hours, rules). Loading the therapist with rules and hours
cost a booking a sixth of its CPU (bench/booking_post.py), so each worker keeps the
schedules it has built, keyed by the therapist's schedule version, and a POST reads
only that version and id by the page's slug, as committed now (DESIGN.md, Scale
path: a cache keyed by a version read in the same request). The booking's lock reads
the version again and book_slot reads the schedule again if it moved meanwhile, and
re-checks the time against the database: nothing kept here decides a booking alone.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from flask import current_app

from booking.models import SessionType
from booking.services import matching, schedule

EXTENSION = "booking.kept_schedules"
KEPT = 256  # a schedule is a few hundred bytes; a team is a few dozen therapists

Key = tuple[int, int, int]  # therapist, session type, schedule version


class KeptSchedules:
    """Least recently used go first; gthread workers share it between threads."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Key, schedule.Bookable] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Key) -> schedule.Bookable | None:
        with self._lock:
            if (kept := self._kept.get(key)) is not None:
                self._kept.move_to_end(key)
            return kept

    def keep(self, found: schedule.Bookable) -> None:
        with self._lock:
            self._kept[(found.therapist_id, found.session_type_id, found.version)] = found
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)


def keep(found: schedule.Bookable) -> None:
    """Keep `found` (under its own version) for the next booking with its therapist."""
    _kept().keep(found)


def schedule_to_book(slug: str, session_type: SessionType) -> schedule.Bookable | None:
    """The schedule of the active therapist at `slug` for `session_type`, current as of
    this request; None when nobody active is there or they cannot be booked for it."""
    found = matching.bookable_version(slug)
    if found is None:
        return None
    therapist_id, version = found
    kept = _kept()
    if (bookable := kept.get((therapist_id, session_type.id, version))) is not None:
        return bookable
    therapist = matching.bookable_therapist(slug)
    bookable = None if therapist is None else schedule.bookable(therapist, session_type)
    if bookable is not None:
        kept.keep(bookable)  # under the version it was read at, which may be newer
    return bookable


def _kept() -> KeptSchedules:
    """This app's (one per app: two apps in one process are two hosts)."""
    extensions = current_app.extensions
    if EXTENSION not in extensions:  # not setdefault: that would build one per request
        extensions[EXTENSION] = KeptSchedules()
    return extensions[EXTENSION]
