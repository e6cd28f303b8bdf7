"""Error pages in the visitor's language: never a traceback, never a bare status."""

from __future__ import annotations

import contextlib
import time

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from booking.extensions import db, limiter, login
from booking.web.api import is_api_request, problems

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
    # Flask runs teardowns in reverse order: this one runs before Flask-SQLAlchemy's.
    app.teardown_appcontext(_end_session)


def wants_json() -> bool:
    """True for clients that asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _database_unavailable(error: Exception):
    """The database is down or unreachable: 503 with Retry-After, never a traceback.
    What was committed before stays committed; this request's work is dropped."""
    _discard_session()
    response: Response | str
    if is_api_request():
        return problems.response(503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if wants_json():
        response = jsonify(status="unavailable", error=DATABASE_UNAVAILABLE)
    else:
        response = render_template(
            "error.html", title=_l("The service is unavailable for a moment"),
            text=_l("We cannot reach our booking records right now. Nothing has been "
                    "changed. Please try again in a few minutes."), code=503, visit=None)
    return response, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def _end_session(error: BaseException | None) -> None:
    """End the request's database session. The rollback that ends a read may meet a
    connection that died after the response was ready: that must not turn the answer
    into a 500 (the response is thrown away when a teardown raises). Flask-SQLAlchemy's
    own teardown then finds nothing left to close."""
    try:
        db.session.remove()
    except DATABASE_AWAY:
        with contextlib.suppress(SQLAlchemyError):
            db.session().invalidate()  # the pool drops the connection, not the next request
        db.session.remove()


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
    if is_api_request():  # the API answers every error as problem+json, even a 404
        return _api_problem(error, code)
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


def _api_problem(error: HTTPException, code: int) -> Response:
    headers = {}
    if code == 429 and (limit := limiter.current_limit) is not None:
        headers["Retry-After"] = str(max(1, int(limit.reset_at - time.time())))
    if code == 405 and error.valid_methods:  # type: ignore[attr-defined]
        headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return problems.response(code if code in (400, 401, 404, 405, 415, 429, 503) else 500,
                             headers=headers)
