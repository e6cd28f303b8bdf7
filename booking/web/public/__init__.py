"""Pages for visitors: no sign-in, any language, any time zone, and no cookie.

Their forms carry signed form tokens (booking.web.public.tokens) instead of the
session's CSRF token, so the blueprint is exempt from the session-bound check."""

from flask import Blueprint

from booking.extensions import csrf

bp = Blueprint("public", __name__)
csrf.exempt(bp)

from booking.web.public.context import carry_visit  # noqa: E402

bp.url_defaults(carry_visit)

from booking.web.public import (  # noqa: E402,F401  (routes register on bp)
    data_copy,
    legal,
    manage,
    routes,
)
