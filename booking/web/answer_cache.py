"""Whole answers of the visitor's week picker, the team page and the availability
API, kept in each worker and keyed by the schedule version read from the database
in the same request (DESIGN.md, Scale path).

A booking, a change of hours, time off, rules, profile or session types made
through any process moves the version (models/schedule_version.py), so the next
request to any worker on any host computes the page again. Time is the other
input: an answer is kept at most until the end of the current minute (the pages'
zone labels and "this week" follow the clock by the minute; a slot that reaches
the horizon or a hold that lapses shows from the next minute on), and never past
the moment its first slot falls inside the minimum notice. The booking itself
always re-checks against the database, whatever a page showed.

Only 200 answers are kept, with their body and the headers the view set; the
security headers and the request log are added per request, as for any answer.
The cache holds nothing personal: these pages show free times and the team.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from flask import Response, current_app, make_response, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from booking import availability, clock
from booking.models import SessionType, Therapist
from booking.services import schedule
from booking.settings import Settings, current_settings

EXTENSION = "booking.answer_cache"
DEFAULT_SIZE = 512  # answers per worker: a few MB at most (pages weigh under 15 KB)
_LONGEST_KEY = 2000  # a longer address is served but not kept (no memory for junk)
# Headers a view sets that belong to the answer itself (the API's validator and
# caching); everything else is added per request.
_KEPT_HEADERS = ("Content-Type", "ETag", "Cache-Control", "Content-Language", "Vary")

Key = tuple[str, str, str]


@dataclass(frozen=True)
class Entry:
    version: schedule.Version
    settings: Settings  # the answer was made with these (a test may swap them)
    valid_until: datetime  # the last instant it may be given
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def response(self) -> Response:
        return Response(self.body, status=self.status, headers=list(self.headers))


class AnswerCache:
    """A bounded, least-recently-used map from request to answer, per worker."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._lock = Lock()  # gthread workers share one cache between threads

    def get(self, key: Key, version: schedule.Version, settings: Settings,
            now: datetime) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.version != version or entry.settings is not settings or \
                    now > entry.valid_until:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: Key, entry: Entry) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def answer_cache() -> AnswerCache:
    """This app's cache (one per app, so two apps in one process are two hosts)."""
    extensions = current_app.extensions
    if EXTENSION not in extensions:
        extensions[EXTENSION] = AnswerCache()
    return extensions[EXTENSION]


def cached(build: Callable[[datetime], tuple[ResponseReturnValue, datetime | None]]
           ) -> Response:
    """The answer to this request: kept from an earlier identical request while the
    schedule version, the settings and the time allow, else `build(now)`'s, kept
    for the next. `build` returns the answer and the last instant it may be given
    (None: to the end of the minute)."""
    now = clock.utcnow()
    version = schedule.version()  # read first: what build() reads is at least as new
    settings = current_settings()
    cache = answer_cache()
    key: Key = (request.endpoint or "", request.full_path, str(get_locale()))
    if (entry := cache.get(key, version, settings, now)) is not None:
        return entry.response()
    answer, offered_until = build(now)
    response = make_response(answer)
    if response.status_code == 200 and len(request.full_path) <= _LONGEST_KEY:
        valid_until = end_of_minute(now) - timedelta(microseconds=1)
        if offered_until is not None:
            valid_until = min(valid_until, offered_until)
        cache.put(key, Entry(
            version=version, settings=settings, valid_until=valid_until,
            status=response.status_code,
            headers=tuple((name, value) for name, value in response.headers.items()
                          if name in _KEPT_HEADERS),
            body=response.get_data()))
    return response


def end_of_minute(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + timedelta(minutes=1)


def offered_until(slots: Iterable[availability.Slot | None], team: Sequence[Therapist],
                  session_type: SessionType) -> datetime | None:
    """The last instant at which the earliest of `slots` is still offered: a slot is
    offered while it starts at least the minimum notice (here the strictest of
    `team`'s) after now. None without slots."""
    starts = [slot.start for slot in slots if slot is not None]
    notices = [rules.minimum_notice for therapist in team
               if (rules := schedule.engine_rules(therapist, session_type)) is not None]
    if not starts:
        return None
    return min(starts) - max(notices, default=timedelta(0))
