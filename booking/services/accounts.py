"""Signing therapists in and out."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from booking.extensions import db
from booking.models import Therapist
from booking.services import team

# Checked when the email is unknown, so that the answer takes as long as for a
# wrong password and does not tell which accounts exist.
_UNKNOWN_ACCOUNT_HASH = generate_password_hash("no account has this password")


def authenticate(email: str, password: str) -> Therapist | None:
    """The active therapist with these credentials, or None (for any reason)."""
    therapist = db.session.scalar(
        select(Therapist).where(Therapist.email == email.strip().lower()))
    if therapist is None or not therapist.active or not therapist.password_hash:
        check_password_hash(_UNKNOWN_ACCOUNT_HASH, password)
        return None
    return therapist if therapist.check_password(password) else None


def end_sessions(therapist_id: int) -> None:
    """Sign the therapist out everywhere: every existing session cookie stops working."""
    therapist = db.session.get(Therapist, therapist_id)
    if therapist is not None:
        therapist.end_sessions()
        db.session.commit()


def change_password(therapist_id: int, *, current: str, new: str) -> bool:
    """Set a new password if `current` is right; every other session ends. Returns
    False (and changes nothing) for a wrong current password."""
    therapist = db.session.get(Therapist, therapist_id)
    if therapist is None or not therapist.check_password(current):
        return False
    therapist.set_password(team.checked_password(new))
    therapist.end_sessions()
    db.session.commit()
    return True
