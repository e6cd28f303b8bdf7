"""Polls of calendar programs, answered before Flask's pipeline.

Calendar programs fetch every feed every few minutes and nearly always get a 304.
Flask's pipeline (request context, session, the checks every form needs, rate
limits per network address) cost twice what the answer itself does, so this lane
answers a GET or HEAD of an existing feed with the very answer the view gives
(answers.answer), the same security headers (security.headers_of) and the same
log line (logs.record). Everything else goes on to Flask unchanged: a wrong token
(counted there as a guess), an address with a query or an odd character, any
error (Flask answers it again, with its error page and log line).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.http import HTTP_STATUS_CODES

from booking import clock, logs
from booking.web import security
from booking.web.feeds import answers

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

ROUTE = "feeds.feed"
# Tokens are URL-safe base64 and well under 200 characters (see booking/tokens.py).
_FEED_PATH = re.compile(r"/feeds/([A-Za-z0-9_.-]{1,200})\.ics")


class FeedPollLane:
    """WSGI middleware in front of `app`'s own WSGI callable `inner`."""

    def __init__(self, app: Flask, inner: WSGIApplication) -> None:
        self.app, self.inner = app, inner

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        match = _FEED_PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or method not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return self.inner(environ, start_response)
        started = time.perf_counter()
        try:
            with self.app.app_context():
                found = answers.answer(match.group(1), method, environ, clock.utcnow())
                secure, _ = security.headers_of(ROUTE, secret=True, own_caching=True)
        except Exception:  # noqa: BLE001 - Flask answers it again, with its error page
            return self.inner(environ, start_response)
        if found is None:
            return self.inner(environ, start_response)
        request_id = logs.request_id(environ.get("HTTP_X_REQUEST_ID", ""))
        start_response(f"{found.status} {HTTP_STATUS_CODES[found.status]}",
                       [*found.headers, *secure, ("X-Request-ID", request_id)])
        logs.record(request_id, ROUTE, method, found.status, started,
                    denial="rate_limited" if found.status == 429 else None)
        return [] if method == "HEAD" else [found.body]
