"""Form tokens for visitor pages: signed and expiring, bound to the form and (on the
manage pages) to the booking, but to no session.

Visitor pages set no cookie (they must work inside a frame on another site, where
browsers withhold cookies), so Flask-WTF's session-bound CSRF token cannot protect
their forms. A visitor's form has no ambient authority for a forged post to ride on
(no sign-in; the manage pages need the secret link), so what a token must prove is
narrower: this form was rendered by us, for this form and booking, not long ago.
What else protects the forms stays: the honeypot, rate limits, double opt-in and
the secret manage token.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from wtforms.csrf.core import CSRF
from wtforms.validators import ValidationError

from booking import clock

SALT = "visitor-form"


class _ClockSigner(TimestampSigner):
    """Timestamps from the app's clock, so that expiry follows the same "now" as
    everything else (and a test can move it)."""

    def get_timestamp(self) -> int:
        return int(clock.utcnow().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT, signer=_ClockSigner)


def purpose_of(form: Any) -> str:
    """What a token is good for: this kind of form, and on a manage page this booking
    (a digest of its secret link, which the token must not carry readably)."""
    link = (request.view_args or {}).get("token", "")
    return f"{type(form).__name__}:{hashlib.sha256(str(link).encode()).hexdigest()[:16]}"


class FormToken(CSRF):
    """WTForms' CSRF hook, filled with a session-free signed token."""

    def setup_form(self, form: Any) -> Any:
        self.form = form
        return super().setup_form(form)

    def generate_csrf_token(self, csrf_token_field: Any) -> str:
        return str(_serializer().dumps(purpose_of(self.form)))

    def validate_csrf_token(self, form: Any, field: Any) -> None:
        limit = current_app.config.get("WTF_CSRF_TIME_LIMIT") or 3600
        try:
            purpose = _serializer().loads(field.data or "", max_age=limit)
        except SignatureExpired:
            raise ValidationError(_l("This form was open for too long.")) from None
        except BadData:
            raise ValidationError(_l("This form could not be verified.")) from None
        if purpose != purpose_of(form):
            raise ValidationError(_l("This form could not be verified."))
