"""Time-based one-time codes (RFC 6238) as a second sign-in factor."""

from __future__ import annotations

from datetime import datetime

import pyotp

from booking.extensions import db
from booking.models import Therapist
from booking.transactions import unit_of_work

ISSUER = "Erstgespraech"
# A code of the previous or next 30-second step is accepted too: phone clocks drift.
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def enrolment_qr(secret: str, account: str) -> str:
    """An SVG QR code of the otpauth:// address for authenticator apps (made here:
    no third-party QR service ever sees the secret)."""
    import segno  # on enrolment only: its tables would sit in every worker (about 1 MB)

    uri = pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=4)


def enable(therapist_id: int, *, secret: str, code: str, now: datetime) -> bool:
    """Turn the second factor on once a code from the new secret proves the app has it."""
    with unit_of_work():
        therapist = db.session.get(Therapist, therapist_id)
        step = _matching_step(secret, code, now, after=0)
        if therapist is None or step is None:
            return False
        therapist.totp_secret, therapist.totp_last_step = secret, step
        therapist.end_sessions()
    return True


def disable(therapist_id: int, *, code: str, now: datetime) -> bool:
    """Turn the second factor off, given a current code (which is spent with it)."""
    with unit_of_work():
        therapist = db.session.get(Therapist, therapist_id)
        if therapist is None or not _spend_code(therapist, code, now):
            return False
        therapist.totp_secret, therapist.totp_last_step = "", 0
    return True


def check(therapist: Therapist, code: str, *, now: datetime) -> bool:
    """True for a current code not used before; the code is then spent."""
    with unit_of_work():
        return _spend_code(therapist, code, now)


def _spend_code(therapist: Therapist, code: str, now: datetime) -> bool:
    """Flush only: mark a current, unused code as used; False for any other code."""
    step = _matching_step(therapist.totp_secret, code, now, after=therapist.totp_last_step)
    if step is None:
        return False
    therapist.totp_last_step = step
    return True


def _matching_step(secret: str, code: str, now: datetime, *, after: int) -> int | None:
    """The time step (within the drift) whose code is `code` and lies after `after`."""
    code = "".join(code.split())
    if not secret or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after and totp.generate_otp(step) == code:
            return step
    return None
