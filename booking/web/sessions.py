"""The workspace's signed-cookie session, paid for only by requests that carry one.

Visitor pages set no cookie and most requests bring none. Flask's own interface
builds its signer on every request and, because Flask-Login looks for a remember
flag after each one, marks every response `Vary: Cookie`. Here a request without
a session cookie gets an empty session without that work, and its answer varies
by cookie only when the session was filled or emptied on the way.
"""

from __future__ import annotations

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin


class SessionOnlyWithCookie(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not session and not session.modified and \
                self.get_cookie_name(app) not in request.cookies:
            return  # none came in, none goes out, and nothing in it shaped the answer
        super().save_session(app, session, response)
