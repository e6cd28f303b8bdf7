"""The practice admin's pages: the team, every booking, undeliverable mail, exceptions
to the one-free-consultation rule, the articles report, the practice feed, the
webhooks and the practice's Impressum and privacy notice.

Signed-out visitors are sent to sign in; signed-in therapists who are not admins get
404 on every page here, as if the area did not exist."""

from flask import Blueprint, abort
from flask_login import current_user

from booking.extensions import login

bp = Blueprint("admin", __name__, url_prefix="/workspace/admin")


@bp.before_request
def require_admin():
    # Not login_required: it lets OPTIONS through signed out, and the check below
    # would then meet an anonymous user.
    if not current_user.is_authenticated:
        return login.unauthorized()
    if not current_user.is_admin:
        abort(404)
    return None


from booking.web.admin import (  # noqa: E402,F401  (routes register on bp)
    bookings,
    closing,
    legal,
    look,
    practice,
    team,
    webhooks,
)
