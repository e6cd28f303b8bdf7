"""The therapists' private workspace. Every route but signing in needs a signed-in
therapist, and every booking is looked up as one of *their* bookings."""

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace")

from booking.web.workspace import (  # noqa: E402,F401  (routes register on bp)
    auth,
    calendars,
    hours,
    routes,
)
