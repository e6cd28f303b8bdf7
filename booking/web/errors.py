"""Error pages in the visitor's language: never a traceback, never a bare status."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, InternalServerError

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


def _http_error(error: HTTPException):
    code = error.code or 500
    title, text = _EXPLANATIONS.get(code, (
        _l("Something went wrong on our side"),
        _l("Nothing was booked or changed. Please try again in a moment."),
    ))
    return render_template("error.html", title=title, text=text, code=code, visit=None), code
