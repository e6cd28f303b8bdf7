"""Secrets in links: a visitor's manage link and a calendar feed's address.

Both are derived from the app's SECRET_KEY (HMAC) and a public value, so that
mails rendered later (reminders, cancellations) and the feed card can show the
link again, while the database alone reveals nothing: it keeps only each
token's SHA-256, for the lookup. Rotating SECRET_KEY invalidates every link.
"""

import base64
import hashlib
import hmac
from datetime import datetime

from itsdangerous import BadData, URLSafeSerializer


def manage_token(secret_key: str, public_id: str) -> str:
    """The secret in the manage link of the booking with this public id."""
    return _derive(secret_key, f"manage:{public_id}")


def feed_token(secret_key: str, feed_id: int, nonce: str) -> str:
    """The secret in a calendar feed's address (256 bits, URL-safe)."""
    return _derive(secret_key, f"feed:{feed_id}:{nonce}")


def export_token(secret_key: str, nonce: str) -> str:
    """The secret in a one-time link to a copy of a client's data (see DataExport)."""
    return _derive(secret_key, f"export:{nonce}")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _derive(secret_key: str, message: str) -> str:
    digest = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def account_token(secret_key: str, purpose: str, therapist_id: int, fingerprint: str,
                  expires: datetime) -> str:
    """A signed link secret for a password reset or an invitation. It names the account,
    ends at `expires`, and carries a fingerprint of the account's password and sessions,
    so it works once: setting a password changes the fingerprint."""
    return URLSafeSerializer(secret_key, salt=f"account:{purpose}").dumps(
        {"id": therapist_id, "fp": fingerprint, "exp": int(expires.timestamp())})


def read_account_token(secret_key: str, purpose: str, token: str,
                       now: datetime) -> tuple[int, str] | None:
    """(therapist id, fingerprint) of a genuine token that has not expired, else None."""
    try:
        data = URLSafeSerializer(secret_key, salt=f"account:{purpose}").loads(token)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    if not isinstance(data.get("exp"), int) or data["exp"] <= now.timestamp():
        return None
    return data["id"], str(data.get("fp", ""))
