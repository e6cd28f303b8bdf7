"""A visitor's copy of their data, asked for on the manage page and fetched through a
one-time link that only ever travels by mail.

The link's secret is derived from SECRET_KEY and a random nonce on its DataExport
row; the row keeps the nonce and the secret's hash, the outbox row only the
DataExport's id. A link works once and for a day; a used, expired or made-up link
is not found, exactly like a wrong one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from booking.errors import NotFound
from booking.extensions import db
from booking.models import DataExport, Recipient
from booking.models.outbox_payloads import CopyOfData
from booking.services import outbox, privacy_export
from booking.services.bookings import find_by_token
from booking.tokens import export_token, token_hash
from booking.transactions import unit_of_work

VALID_FOR = timedelta(hours=24)


def request_copy(manage_token: str, *, now: datetime, secret_key: str,
                 valid_for: timedelta = VALID_FOR) -> None:
    """Mail the client of the booking behind `manage_token` a one-time link to a copy of
    everything stored about them. NotFound for a wrong link or an erased booking."""
    with unit_of_work():
        booking = find_by_token(manage_token)
        if booking.erased_at is not None:
            raise NotFound("no booking for this link")
        nonce = secrets.token_urlsafe(32)
        copy = DataExport(booking=booking, nonce=nonce,
                          token_hash=token_hash(export_token(secret_key, nonce)),
                          created_at=now, expires_at=now + valid_for)
        db.session.add(copy)
        db.session.flush()
        outbox.enqueue(booking, CopyOfData(**outbox.about(booking, Recipient.VISITOR),
                                           export_id=copy.id), now)


def booking_exists(manage_token: str) -> None:
    """NotFound unless the manage link belongs to a booking whose data is still there."""
    if find_by_token(manage_token).erased_at is not None:
        raise NotFound("no booking for this link")


def usable_copy(token: str, *, now: datetime) -> DataExport:
    """The copy a link points to while it can still be taken; NotFound otherwise."""
    copy = db.session.scalar(select(DataExport).where(DataExport.token_hash == token_hash(token)))
    if copy is None or not copy.usable(now) or copy.booking.erased_at is not None:
        raise NotFound("no copy for this link")
    return copy


def take_copy(token: str, *, now: datetime, locale: str) -> dict[str, Any]:
    """The document behind a one-time link, which is used up by this. NotFound for a
    wrong, used or expired link (or when there is nothing left to give)."""
    with unit_of_work():
        copy = usable_copy(token, now=now)
        # Used up in the same statement that checks it: two clicks at once give one copy.
        taken = db.session.execute(update(DataExport).where(
            DataExport.id == copy.id, DataExport.used_at.is_(None)).values(used_at=now))
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            raise NotFound("no copy for this link")
        document = privacy_export.export_of_booking(copy.booking_id, now=now, locale=locale)
        if document is None:
            raise NotFound("no copy for this link")
    return document


def link_of(copy_id: int, secret_key: str) -> str | None:
    """The secret of a copy's link, for its mail; None when the copy is gone."""
    copy = db.session.get(DataExport, copy_id)
    return None if copy is None else export_token(secret_key, copy.nonce)


def is_obsolete(copy_id: int) -> bool:
    """A copy's mail is not worth sending once its link was used or is gone (erased)."""
    copy = db.session.get(DataExport, copy_id)
    return copy is None or copy.used_at is not None
