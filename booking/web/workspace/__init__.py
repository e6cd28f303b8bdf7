"""The therapists' private workspace. Every route but signing in needs a signed-in
therapist, and every booking is looked up as one of *their* bookings."""

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace")

# The only workspace pages for people who are not signed in.
PUBLIC_ENDPOINTS = frozenset({"workspace.sign_in", "workspace.sign_in_code",
                              "workspace.forgot_password",
                              "workspace.reset_password", "workspace.accept_invitation"})

from booking.web.workspace import (  # noqa: E402,F401  (routes register on bp)
    auth,
    calendars,
    hours,
    profile,
    routes,
)
