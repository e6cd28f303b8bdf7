"""Error pages in the visitor's language: never a traceback, never a bare status."""

from __future__ import annotations

import contextlib

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from booking.extensions import db, login

# How long a client (or a load balancer) should wait before asking again while the
# database is away: long enough not to hammer it, short enough for a restart.
RETRY_AFTER_SECONDS = 30
# For the operator and any JSON client: what is wrong, in one line, no internals.
DATABASE_UNAVAILABLE = "database unavailable: the service cannot reach its database"
# What SQLAlchemy raises when the database cannot be reached or the connection broke.
DATABASE_AWAY = (OperationalError, InterfaceError, DisconnectionError)

_EXPLANATIONS = {
    400: (_l("This request could not be processed"),
          _l("The form may have been open for too long. Please go back, reload the page "
             "and try again.")),
    404: (_l("Page not found"),
          _l("This address does not exist (any more). If you followed a link from one of "
             "our emails, it may belong to a booking that was replaced.")),
    405: (_l("This request could not be processed"),
          _l("Please use the buttons on the page.")),
    429: (_l("Too many attempts"),
          _l("Please wait a few minutes and try again.")),
    503: (_l("Booking is not possible right now"),
          _l("Please try again later or contact the practice.")),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _http_error)
    for error in DATABASE_AWAY:
        app.register_error_handler(error, _database_unavailable)


def wants_json() -> bool:
    """True for clients that asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _database_unavailable(error: Exception):
    """The database is down or unreachable: 503 with Retry-After, never a traceback.
    What was committed before stays committed; this request's work is dropped."""
    _discard_session()
    response: Response | str
    if wants_json():
        response = jsonify(status="unavailable", error=DATABASE_UNAVAILABLE)
    else:
        response = render_template(
            "error.html", title=_l("The service is unavailable for a moment"),
            text=_l("We cannot reach our booking records right now. Nothing has been "
                    "changed. Please try again in a few minutes."), code=503, visit=None)
    return response, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _discard_session() -> None:
    """Roll back and drop the session, so the next request starts on a fresh
    connection; a rollback over a dead connection may fail itself."""
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    db.session.remove()
    # The page is shown as to a signed-out visitor: loading the signed-in therapist
    # for the template would ask the database again. The session cookie is kept.
    login._update_request_context_with_user()


def _http_error(error: HTTPException):
    if error.response is not None:  # made for its client already (a feed's plain-text 429)
        return error.response
    code = error.code or 500
    title, text = _EXPLANATIONS.get(code, (
        _l("Something went wrong on our side"),
        _l("Nothing was booked or changed. Please try again in a moment."),
    ))
    try:
        return render_template("error.html", title=title, text=text, code=code,
                               visit=None), code
    except DATABASE_AWAY as away:
        # The page needed the signed-in therapist, and the database is away.
        return _database_unavailable(away)
