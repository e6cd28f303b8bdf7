"""Logs an operator can use and a data-protection officer can accept.

One line per request (request id, route name, method, status, duration) and one
per denied access (wrong token, someone else's record, failed sign-in, rate
limit), as JSON in production and as readable text in development. A log line
never holds a name, an address, a message or a token: requests are named by
their route, not their path, and every line passes `scrub` on its way out as a
last defence (paths of the secret links, query strings, email addresses).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import UTC, datetime

from flask import Flask, Response, g, request

from booking.redaction import scrub

REQUESTS = logging.getLogger("booking.request")
SECURITY = logging.getLogger("booking.security")

# Fields a line may carry besides its message; anything else in `extra` is dropped.
FIELDS = ("request_id", "route", "method", "status", "duration_ms", "event", "account")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_HANDLER_NAME = "booking"

# Status codes that say someone was refused something, and what to call it.
_DENIALS = {401: "unauthenticated", 403: "forbidden", 429: "rate_limited"}
# The routes whose 401 is a wrong password or code, not a missing credential.
_SIGN_IN = frozenset({"workspace.sign_in", "workspace.sign_in_code"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for a log collector."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            **{name: getattr(record, name) for name in FIELDS if hasattr(record, name)},
        }
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """Readable lines for a developer's terminal, scrubbed like the JSON ones."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{name}={getattr(record, name)}" for name in FIELDS
                          if hasattr(record, name))
        return scrub(super().format(record) + (f" [{fields}]" if fields else ""))


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is emitted (a test's capture, a
    redirected stream), like logging's own last-resort handler."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(json_lines: bool) -> None:
    """Send every logger's lines through one scrubbing handler on stderr (once per
    process; a second app replaces the first's handler)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = StderrHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root.addHandler(handler)
    # Our own info lines are wanted; other libraries' (SMTP chatter) only from warnings on.
    logging.getLogger("booking").setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    """Request ids, request lines and security events for every request."""
    if app.config["LOG_FORMAT"] != "none":
        configure(json_lines=app.config["LOG_FORMAT"] == "json")
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    g.started = time.perf_counter()
    g.request_id = request_id(request.headers.get("X-Request-ID", ""))


def request_id(asked: str) -> str:
    """The id a proxy gave the request, when it looks like one, else a new one (32 hex
    digits, as uuid4().hex, at a third of its cost)."""
    return asked if _REQUEST_ID.fullmatch(asked) else secrets.token_hex(16)


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id") or secrets.token_hex(16)
    record(response.headers["X-Request-ID"], request.endpoint or "unmatched", request.method,
           response.status_code, g.get("started", time.perf_counter()), _account(),
           _denial(response.status_code))
    return response


def record(request_id: str, route: str, method: str, status: int, started: float,
           account: int | None = None, denial: str | None = None) -> None:
    """The request's line, and a security line when it was a refusal (`denial`)."""
    fields = {
        "request_id": request_id,
        "route": route,
        "method": method,
        "status": status,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "account": account,
    }
    if REQUESTS.isEnabledFor(logging.INFO):
        # Made and handed on directly: Logger.info would first walk the stack to name
        # the calling line, which no line of ours shows, on every request.
        REQUESTS.handle(REQUESTS.makeRecord(REQUESTS.name, logging.INFO, "", 0, "%s %s %s",
                                            (method, route, status), None, extra=fields))
    if denial:
        SECURITY.warning("denied: %s on %s", denial, route, extra={**fields, "event": denial})


def _denial(status: int) -> str | None:
    """The kind of refusal a response stands for, if it is one. A 404 on a route
    that takes a token or a record id is a wrong guess or someone else's record
    (the two look the same to the client on purpose)."""
    if status == 401 and request.endpoint in _SIGN_IN:
        return "sign_in_failed"
    if status in _DENIALS:
        return _DENIALS[status]
    rule = request.url_rule
    if status == 404 and rule is not None:
        if "token" in rule.arguments:
            return "unknown_token"
        if any(name.endswith("_id") for name in rule.arguments):
            return "not_found_or_not_theirs"
    return None


def _account() -> int | None:
    """The signed-in therapist's id (a number, never a name or address), if the view
    loaded them: logging must not cost a query of its own."""
    user = g.get("_login_user")
    return user.id if user is not None and user.is_authenticated else None
