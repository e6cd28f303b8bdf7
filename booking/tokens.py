"""The secret in a visitor's manage link.

It is derived from the app's SECRET_KEY and the booking's public id, so that
mails rendered later (reminders, cancellations) can carry the link without the
database ever holding it: only its SHA-256 is stored, for the lookup. Rotating
SECRET_KEY invalidates every link at once.
"""

import base64
import hashlib
import hmac


def manage_token(secret_key: str, public_id: str) -> str:
    digest = hmac.new(secret_key.encode(), f"manage:{public_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
