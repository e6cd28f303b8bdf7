"""GET and HEAD of /feeds/<token>.ics, with strong caching for polling clients.

What a fetch gets is decided in answers.py; lane.py gives the same answer before
Flask's pipeline to every fetch of an existing feed. This view answers what the
lane leaves to Flask: wrong tokens, counted per network address as guesses.
"""

from __future__ import annotations

from flask import Response, abort, request

from booking import clock
from booking.extensions import limiter
from booking.web import limits
from booking.web.feeds import answers, bp


@bp.route("/feeds/<token>.ics", methods=["GET", "HEAD"])
@limiter.limit(limits.TOKEN_GUESSES, key_func=limits.address_key, deduct_when=limits.not_found,
               scope="feed-token", on_breach=limits.too_many_polls)
def feed(token: str):
    found = answers.answer(token, request.method, request.environ, clock.utcnow())
    if found is None:
        # The same bare answer for a wrong, old or malformed token: nothing for a guesser.
        abort(404)
    response = Response(status=found.status, headers=list(found.headers))
    # The answer names the length it knows: none for a HEAD, never a wrong 0.
    response.automatically_set_content_length = False
    response.set_data(found.body)
    return response
