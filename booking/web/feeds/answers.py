"""What a fetch of /feeds/<token>.ics gets, for the feed view and for the poll lane
in front of Flask (lane.py): the one place that decides it.

Each worker keeps the validator of every feed it answered (keyed by the feed's
row and the schedule version read in the same request, and only until time alone
would change the feed) and the last bodies it built (keyed by their ETag). A poll
of an unchanged feed then costs one small query, and a repeated full GET no build.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import TYPE_CHECKING

from flask import current_app
from werkzeug.http import http_date, is_resource_modified, quote_etag

from booking.errors import NotFound
from booking.services import feeds
from booking.web import limits

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

EXTENSION = "booking.feed_cache"
KEPT_VALIDATORS = 4096  # a few hundred bytes each
KEPT_BODY_BYTES = 16 * 2**20  # a 5,000-booking feed weighs about 1.8 MB
CONTENT_TYPE = "text/calendar; charset=utf-8"
# Calendar programs poll every few minutes; no proxy may keep a feed (it names clients).
CACHING = (("Cache-Control", "private, max-age=300"), ("X-Robots-Tag", "noindex"))


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""


def answer(token: str, method: str, environ: WSGIEnvironment, now: datetime) -> Answer | None:
    """The answer to a GET or HEAD of the feed of `token` (its conditional headers
    read from the WSGI `environ`): 200 with the calendar (no body for HEAD), 304 to a
    client that has it, or 429 when the feed is polled too often. None when there is
    no such feed (the caller answers the same bare 404 for any wrong token)."""
    try:
        found = feeds.address(token)
    except NotFound:
        return None
    if (wait := limits.feed_poll_wait(token)) is not None:
        refused = limits.polls_refused(wait)
        return Answer(429, tuple(refused.headers.items()), refused.get_data())
    cache = _cache()
    validator = cache.validator(found, now)
    tag = validator.etag.strip('"')
    etag = ("ETag", quote_etag(tag))
    if not is_resource_modified(environ, etag=tag, last_modified=validator.last_modified):
        return Answer(304, (etag, *CACHING))  # what a client needs to keep its copy
    headers = (("Content-Type", CONTENT_TYPE), etag,
               ("Last-Modified", http_date(validator.last_modified)), *CACHING)
    if method == "HEAD":
        # The headers say all a HEAD asks. The body is not built, so its length is not
        # named (RFC 9110, 9.3.2 allows that; a wrong one would mislead a cache).
        return Answer(200, headers)
    body = cache.body(token, found, validator.etag, now)
    return Answer(200, (*headers, ("Content-Length", str(len(body)))), body)


class FeedCache:
    """Validators by feed, bodies by ETag; least recently used go first."""

    def __init__(self) -> None:
        self._validators: OrderedDict[feeds.Address, feeds.Validator] = OrderedDict()
        self._bodies: OrderedDict[tuple[int, str], bytes] = OrderedDict()
        self._body_bytes = 0
        self._lock = Lock()  # gthread workers share it between threads

    def validator(self, feed: feeds.Address, now: datetime) -> feeds.Validator:
        with self._lock:
            kept = self._validators.get(feed)
            if kept is not None and kept.holds_at(now):
                self._validators.move_to_end(feed)
                return kept
        fresh = feeds.validator(feed, now)
        with self._lock:
            self._validators[feed] = fresh
            while len(self._validators) > KEPT_VALIDATORS:
                self._validators.popitem(last=False)
        return fresh

    def body(self, token: str, feed: feeds.Address, etag: str, now: datetime) -> bytes:
        key = (feed.id, etag)
        with self._lock:
            if (kept := self._bodies.get(key)) is not None:
                self._bodies.move_to_end(key)
                return kept
        body = feeds.render(feeds.find(token), now)
        with self._lock:
            if key not in self._bodies and len(body) <= KEPT_BODY_BYTES:
                self._bodies[key] = body
                self._body_bytes += len(body)
            while self._body_bytes > KEPT_BODY_BYTES:
                self._body_bytes -= len(self._bodies.popitem(last=False)[1])
        return body


def _cache() -> FeedCache:
    """This app's cache (one per app: two apps in one process are two hosts)."""
    extensions = current_app.extensions
    if EXTENSION not in extensions:  # not setdefault: that would build one per request
        extensions[EXTENSION] = FeedCache()
    return extensions[EXTENSION]
