"""GET and HEAD of /feeds/<token>.ics, with strong caching for polling clients.

Each worker keeps the validator of every feed it answered (keyed by the feed's
row and the schedule version read in the same request, and only until time alone
would change the feed) and the last bodies it built (keyed by their ETag). A poll
of an unchanged feed then costs one small query, and a repeated full GET no build.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from threading import Lock

from flask import Response, abort, current_app, request
from flask_limiter.util import get_remote_address

from booking import clock
from booking.errors import NotFound
from booking.extensions import limiter
from booking.services import feeds
from booking.web import limits
from booking.web.feeds import bp

EXTENSION = "booking.feed_cache"
KEPT_VALIDATORS = 4096  # a few hundred bytes each
KEPT_BODY_BYTES = 16 * 2**20  # a 5,000-booking feed weighs about 1.8 MB


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
    return current_app.extensions.setdefault(EXTENSION, FeedCache())


@bp.route("/feeds/<token>.ics", methods=["GET", "HEAD"])
@limiter.limit(limits.FEED_POLLS, key_func=limits.feed_key, scope="feed-polls",
               on_breach=limits.too_many_polls)
@limiter.limit(limits.TOKEN_GUESSES, key_func=get_remote_address, deduct_when=limits.not_found,
               scope="feed-token", on_breach=limits.too_many_polls)
def feed(token: str):
    now = clock.utcnow()
    try:
        found = feeds.address(token)
    except NotFound:
        # The same bare answer for a wrong, old or malformed token: nothing for a guesser.
        abort(404)
    cache = _cache()
    validator = cache.validator(found, now)
    response = Response(content_type="text/calendar; charset=utf-8")
    response.set_etag(validator.etag.strip('"'))
    response.last_modified = validator.last_modified
    response.headers.update({
        "Cache-Control": "private, max-age=300",
        "Referrer-Policy": "no-referrer",
        "X-Robots-Tag": "noindex",
    })
    if request.if_none_match or request.if_modified_since:
        response.make_conditional(request)
        if response.status_code == 304:
            return response
    if request.method == "HEAD":  # the headers say all a HEAD asks; the body is not built
        return response
    response.set_data(cache.body(token, found, validator.etag, now))
    return response
