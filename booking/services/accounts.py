"""Signing therapists in and out."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from booking.extensions import db
from booking.models import MessageKind, Therapist
from booking.models.outbox_payloads import Invitation, PasswordReset
from booking.services import outbox, team
from booking.tokens import read_account_token
from booking.transactions import unit_of_work

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
    with unit_of_work():
        therapist = db.session.get(Therapist, therapist_id)
        if therapist is not None:
            therapist.end_sessions()


def change_password(therapist_id: int, *, current: str, new: str) -> bool:
    """Set a new password if `current` is right; every other session ends. Returns
    False (and changes nothing) for a wrong current password."""
    with unit_of_work():
        therapist = db.session.get(Therapist, therapist_id)
        if therapist is None or not therapist.check_password(current):
            return False
        therapist.set_password(team.checked_password(new))
        therapist.end_sessions()
    return True


RESET_VALID = timedelta(hours=1)
INVITATION_VALID = timedelta(days=7)


def request_password_reset(email: str, *, now: datetime) -> None:
    """Queue a reset link for the account with this email, if there is an active one.
    Says nothing either way, so the page cannot reveal which addresses have accounts."""
    with unit_of_work():
        therapist = db.session.scalar(
            select(Therapist).where(Therapist.email == email.strip().lower(), Therapist.active))
        if therapist is not None:
            _queue_account_mail(MessageKind.PASSWORD_RESET, therapist, now)


def invite_therapist(*, email: str, name: str, now: datetime, admin: bool = False,
                     languages: list[str] | None = None) -> Therapist:
    """Add a therapist without a password and mail them a link to set one."""
    with unit_of_work():
        therapist = team.new_therapist(email=email, name=name, password=None, now=now,
                                       admin=admin, languages=languages)
        db.session.flush()
        _queue_account_mail(MessageKind.INVITATION, therapist, now)
    return therapist


def invite_again(therapist_id: int, *, now: datetime) -> bool:
    """Mail a fresh invitation link to a member who has not set a password yet (the
    first link may have lapsed or got lost). False, and nothing sent, for anyone else."""
    with unit_of_work():
        therapist = db.session.get(Therapist, therapist_id)
        if therapist is None or not therapist.active or therapist.password_hash:
            return False
        _queue_account_mail(MessageKind.INVITATION, therapist, now)
    return True


def valid_for(purpose: MessageKind) -> timedelta:
    return RESET_VALID if purpose is MessageKind.PASSWORD_RESET else INVITATION_VALID


def account_for_link(secret_key: str, purpose: MessageKind, token: str, *,
                     now: datetime) -> Therapist | None:
    """The account a reset or invitation link is for, while the link is valid: signed,
    not expired, and not used (the password has not changed since)."""
    found = read_account_token(secret_key, purpose.value, token, now)
    if found is None:
        return None
    therapist = db.session.get(Therapist, found[0])
    if therapist is None or not therapist.active or therapist.account_fingerprint != found[1]:
        return None
    return therapist


def set_password_from_link(secret_key: str, purpose: MessageKind, token: str,
                           password: str, *, now: datetime) -> Therapist | None:
    """Set the password a valid link allows (once); every session ends."""
    with unit_of_work():
        therapist = account_for_link(secret_key, purpose, token, now=now)
        if therapist is None:
            return None
        therapist.set_password(team.checked_password(password))
        therapist.end_sessions()
    return therapist


def _queue_account_mail(kind: MessageKind, therapist: Therapist, now: datetime) -> None:
    payload = PasswordReset if kind is MessageKind.PASSWORD_RESET else Invitation
    outbox.enqueue(None, payload(therapist_id=therapist.id), now)
