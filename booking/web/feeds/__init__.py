"""Secret-address calendar feeds for calendar programs."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)

from booking.web.feeds import routes  # noqa: E402,F401  (routes register on bp)
