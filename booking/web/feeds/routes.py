"""GET and HEAD of /feeds/<token>.ics, with strong caching for polling clients."""

from __future__ import annotations

from flask import Response, abort, request
from flask_limiter.util import get_remote_address

from booking import clock
from booking.errors import NotFound
from booking.extensions import limiter
from booking.services import feeds
from booking.web import limits
from booking.web.feeds import bp


@bp.route("/feeds/<token>.ics", methods=["GET", "HEAD"])
@limiter.limit(limits.FEED_POLLS, key_func=limits.feed_key, scope="feed-polls",
               on_breach=limits.too_many_polls)
@limiter.limit(limits.TOKEN_GUESSES, key_func=get_remote_address, deduct_when=limits.not_found,
               scope="feed-token", on_breach=limits.too_many_polls)
def feed(token: str):
    now = clock.utcnow()
    try:
        found = feeds.find(token)
    except NotFound:
        # The same bare answer for a wrong, old or malformed token: nothing for a guesser.
        abort(404)
    validator = feeds.validator(found, now)
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
    response.set_data(feeds.render(found, now))
    return response
