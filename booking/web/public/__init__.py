"""Pages for visitors: no sign-in, any language, any time zone."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from booking.web.public import manage, routes  # noqa: E402,F401  (routes register on bp)
