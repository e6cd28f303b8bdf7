"""Errors of the API as RFC 9457 problem details (`application/problem+json`), with
their title, detail and per-field messages in the request's language.

`type` is a link to the problem's description on /api/v1/docs; clients should
branch on it (or on the status), never on the translated text.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask_babel import lazy_gettext as _l
from pydantic import ValidationError

PROBLEM_JSON = "application/problem+json"
DOCS = "/api/v1/docs"

# type -> (title, detail): what each problem means, for the answer and for the docs.
KINDS: dict[str, tuple[Any, Any]] = {
    "invalid-query": (_l("The request is not valid"),
                      _l("Some query parameters are missing or not valid; see errors.")),
    "malformed-json": (_l("The request is not valid"),
                       _l("The body is not valid JSON.")),
    "invalid-idempotency-key": (_l("The request is not valid"),
                                _l("An Idempotency-Key is 1 to 255 visible ASCII characters.")),
    "unauthorized": (_l("A manage token is required"),
                     _l("Send the booking's manage token as 'Authorization: Bearer …'.")),
    "not-found": (_l("Not found"), _l("There is nothing at this address for this token.")),
    "method-not-allowed": (_l("This request could not be processed"),
                           _l("This address does not take this method.")),
    "slot-taken": (_l("This time is no longer available"),
                   _l("Someone else was faster, or the time is not offered. Please choose "
                      "one of the alternatives.")),
    "too-late": (_l("This booking cannot be changed online any more"),
                 _l("Online changes are no longer possible this close to the appointment.")),
    "not-changeable": (_l("This booking cannot be changed any more"),
                       _l("It was cancelled, has lapsed or has taken place.")),
    "unsupported-media-type": (_l("Please send JSON"),
                               _l("The body must be sent as application/json.")),
    "validation": (_l("Some details are missing or not valid"),
                   _l("Nothing was booked or changed; see errors.")),
    "idempotency-key-reused": (_l("This Idempotency-Key belongs to another request"),
                               _l("A retry must send the same body as the first request. "
                                  "Use a new key for a new request.")),
    "too-many-requests": (_l("Too many attempts"),
                          _l("Please wait a few minutes and try again.")),
    "unavailable": (_l("Booking is not possible right now"),
                    _l("Please try again later or contact the practice.")),
    "server-error": (_l("Something went wrong on our side"),
                     _l("Nothing was booked or changed. Please try again in a moment.")),
}
_BY_STATUS = {400: "invalid-query", 401: "unauthorized", 404: "not-found",
              405: "method-not-allowed", 415: "unsupported-media-type", 429: "too-many-requests",
              503: "unavailable"}

# pydantic's error types (and those of schemas.py) -> a message in the user's language.
_FIELD_MESSAGES: dict[str, Any] = {
    "missing": _l("This field is required."),
    "string_too_short": _l("This field must not be empty."),
    "string_too_long": _l("This is too long."),
    "string_pattern_mismatch": _l("This value does not have the expected form."),
    "extra_forbidden": _l("This field is not known."),
    "bool_type": _l("Please give true or false."),
    "bool_parsing": _l("Please give true or false."),
    "literal_error": _l("This value is not one of those offered."),
    "timezone_aware": _l("Please give the time with its offset, e.g. "
                         "2026-06-01T09:00:00+02:00."),
    "email": _l("Please enter a valid email address."),
    "timezone": _l("Unknown time zone (expected e.g. Europe/Berlin)."),
    "consent": _l("Please agree to the processing of your details so that we can book "
                  "the session."),
    "single_line": _l("Please use a single line."),
    "nul": _l("This text contains a character that is not allowed."),
    "encoding": _l("This text contains a character that is not allowed."),
    "range_reversed": _l("The end must be after the start."),
    "range_too_long": _l("At most 62 days per request."),
    "model_type": _l("Please send a JSON object."),
    "dict_type": _l("Please send a JSON object."),
    "unknown_therapist": _l("There is no bookable therapist with this name."),
    "unknown_session_type": _l("This kind of session is not offered."),
}
_DATE_OR_TIME = _l("Please give a date such as 2026-06-01 or a time with its offset.")


class ApiProblem(Exception):
    """Raised by a view (or the request parsing) to answer with a problem."""

    def __init__(self, status: int, kind: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(kind)
        self.status, self.kind, self.headers, self.extra = status, kind, headers or {}, extra


def field_error(field: str, error_type: str) -> dict[str, str]:
    """One entry of a problem's `errors`, in the request's language."""
    message = _FIELD_MESSAGES.get(error_type)
    if message is None:
        date_or_time = error_type.startswith(("date", "datetime", "time"))
        message = _DATE_OR_TIME if date_or_time else _l("This value is not valid.")
    return {"field": field, "message": str(message)}


def invalid(error: ValidationError, *, status: int) -> ApiProblem:
    """A 400 (query) or 422 (body) problem listing every field that does not fit."""
    errors = []
    for item in error.errors(include_url=False):
        # A union (date or instant) reports each branch: one message per field is enough.
        location = ".".join(str(part) for part in item["loc"]
                            if not str(part).startswith(("date", "datetime", "function-")))
        # A check of the whole range is reported at its end.
        where = "end" if item["type"].startswith("range_") else "body"
        entry = field_error(location or where, item["type"])
        if entry not in errors:
            errors.append(entry)
    return ApiProblem(status, "invalid-query" if status == 400 else "validation", errors=errors)


def response(status: int, kind: str | None = None, *, headers: dict[str, str] | None = None,
             **extra: Any) -> Response:
    """The problem+json answer; `kind` defaults to the status's usual one."""
    kind = kind or _BY_STATUS.get(status, "server-error")
    title, detail = KINDS[kind]
    body = {"type": f"{DOCS}#problem-{kind}", "title": str(title), "status": status,
            "detail": str(detail), **extra}
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    headers=headers or {}, content_type=PROBLEM_JSON)


def from_exception(problem: ApiProblem) -> Response:
    return response(problem.status, problem.kind, headers=problem.headers, **problem.extra)


def translated_kinds() -> list[tuple[str, str, str]]:
    """(type, title, detail) of every problem, for the documentation page."""
    return [(kind, str(title), str(detail)) for kind, (title, detail) in KINDS.items()]


