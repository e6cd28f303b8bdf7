"""Rate limits: per network address, per person booked for, and per wrong guess.

The counters live in Redis when REDIS_URL is set, so they hold across processes
and hosts. Keys never hold personal data: a network address is counted under a
keyed hash of it, an email address under a keyed hash of its normalised form.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from flask import Response, request
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage, RedisStorage, Storage

from booking import validation
from booking.extensions import limiter
from booking.settings import current_settings

if TYPE_CHECKING:  # the redis package comes with the production extra only
    import redis

# How often one address may be booked for, from anywhere: a person books once; a
# stranger who types someone else's address must not flood their mailbox.
BOOKINGS_PER_EMAIL = "5 per hour;10 per day"
# Wrong manage-link and feed tokens from one network address.
TOKEN_GUESSES = "30 per hour"
# Copies of their data one booking's client may ask for: each sends a mail.
COPY_REQUESTS = "3 per hour;6 per day"
# Fetches of one feed address. Google and Microsoft poll everyone's feeds from a few
# shared network addresses, so feeds are counted per feed, not per address; generous,
# because the usual answer (304) costs next to nothing.
FEED_POLLS = "60 per minute;600 per hour"
_FEED_POLL_LIMITS = parse_many(FEED_POLLS)
LOG = logging.getLogger(__name__)


def address_key() -> str:
    """The visitor's network address as a keyed hash (the counter's name; every limit's
    unless it names another). The address is the visitor's as ProxyFix gives it
    behind TRUSTED_PROXY_HOPS proxies; Redis keeps counters up to an hour, and an
    address read there would say who sought therapy."""
    return f"address:{keyed_hash(get_remote_address())}"


def booking_email_key() -> str:
    """The person a booking form is for, as a keyed hash (the counter's name)."""
    return email_key(request.form.get("email") or "")


def email_key(address: str) -> str:
    """The counter of bookings for the person behind `address` (form and API share it)."""
    identity = validation.email_identity(address[:254])
    return f"booking-email:{keyed_hash(identity)}"


def forget_rate_counters(email_identities: Iterable[str]) -> int:
    """Delete the booking counters of these people (normalised addresses), wherever the
    limits are kept: after an erasure nothing derived from the address stays, not even
    its keyed hash. Returns how many counters went."""
    names = [f"booking-email:{keyed_hash(identity)}" for identity in email_identities]
    stores = [limiter.storage, getattr(limiter, "_fallback_storage", None)]
    return sum(_forget(store, name) for store in stores if store is not None for name in names)


def _forget(store: Storage, name: str) -> int:
    # The limits library builds a counter's key from the limit and this name
    # (LIMITER/<name>/<limit>…, per strategy), so the keys are found by the name.
    if isinstance(store, RedisStorage):
        connection = cast("redis.Redis", store.get_connection())
        found = list(connection.scan_iter(match=f"{store.key_prefix}:*{name}*"))
        if found:
            connection.delete(*found)
        return len(found)
    if isinstance(store, MemoryStorage):
        keys = {key for table in (store.storage, store.expirations, store.events)
                for key in list(table) if name in key}
        for key in keys:
            store.clear(key)
        return len(keys)
    return 0


def keyed_hash(value: str) -> str:
    """A counter's name for a personal value: the same value always gives the same
    name, and without SECRET_KEY nobody can tell which value it was."""
    return hmac.new(current_settings().secret_key.encode(), value.encode(),
                    hashlib.sha256).hexdigest()[:32]


def feed_key(token: str) -> str:
    """The feed asked for, as a keyed hash of its token (the counter's name)."""
    return f"feed:{keyed_hash(token[:200])}"


def feed_poll_wait(token: str) -> int | None:
    """Counts a fetch of the feed of `token` against FEED_POLLS. None while it is
    within them, else the seconds until the next fetch will be. Called by the feed's
    answer itself (web/feeds/answers.py), which also runs before Flask's pipeline.
    When the counters cannot be reached, polls are not refused for it."""
    if not limiter.enabled:
        return None
    key = feed_key(token)
    try:
        strategy = limiter.limiter
        for item in _FEED_POLL_LIMITS:
            if not strategy.hit(item, key, "feed-polls"):
                reset = strategy.get_window_stats(item, key, "feed-polls").reset_time
                return max(1, math.ceil(reset - time.time()))
    except Exception:  # noqa: BLE001 - any storage failure: Redis away, a timeout
        LOG.warning("feed poll counters unreachable; the poll is answered", exc_info=True)
    return None


def too_many_polls(limit: RequestLimit) -> Response:
    """A calendar client's 429 after too many wrong feed addresses (TOKEN_GUESSES)."""
    return polls_refused(max(1, math.ceil(limit.window.reset_time - time.time())))


def polls_refused(wait: int) -> Response:
    """A calendar client's 429: plain text, and when to come back (Retry-After)."""
    return Response(f"Too many requests for this calendar feed. Try again in {wait} seconds.\n",
                    status=429, headers={"Retry-After": str(wait)}, mimetype="text/plain")


def seconds_left(limit: RequestLimit) -> int:
    """How long until a reached limit lets the next request through."""
    return max(1, math.ceil(limit.window.reset_time - time.time()))


def accepted(response: Response) -> bool:
    """A form that got through its checks: it booked (or looks as if it did), or it
    lost its time to someone else. A form sent back with mistakes costs nothing."""
    return response.status_code in (303, 409)


def without_email() -> bool:
    """A form without an address books nothing; it is counted per network address only."""
    return not (request.form.get("email") or "").strip()


def not_found(response: Response) -> bool:
    """Only wrong guesses count against a token limit, not a client's own visits."""
    return response.status_code == 404
