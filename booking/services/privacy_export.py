"""Everything stored about one person, as a document they can read and take along
(GDPR Art. 15 access, Art. 20 portability).

A person is matched by the normalised form of their address (as the one free
first consultation is): as the client of a booking, and as the partner named in
someone else's booking, of which they get only what concerns them. Mail bodies are
not stored (they are rendered at delivery), so messages appear as kind, time and
status.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from booking import validation
from booking.extensions import db
from booking.models import (
    Booking,
    BookingAudit,
    DataExport,
    FirstSessionWaiver,
    OutboxMessage,
    Recipient,
)

FORMAT = "erstgespraech-personal-data/1"


def export_person(email: str, *, now: datetime, locale: str = "de") -> dict[str, Any] | None:
    """The document of everything stored about the person behind `email`, with a short
    summary in `locale`; None when nothing is stored. InvalidInput for no address."""
    key = validation.email_identity(validation.email(email))
    as_client = list(db.session.scalars(select(Booking).where(
        Booking.visitor_email_key == key, Booking.erased_at.is_(None)).order_by(Booking.start_utc)))
    as_partner = [booking for booking in db.session.scalars(
        select(Booking).where(Booking.partner_email != "", Booking.erased_at.is_(None))
        .order_by(Booking.start_utc))
        if validation.email_identity(booking.partner_email) == key and booking not in as_client]
    exceptions = list(db.session.scalars(select(FirstSessionWaiver).where(
        FirstSessionWaiver.email_key == key).order_by(FirstSessionWaiver.created_at)))
    if not (as_client or as_partner or exceptions):
        return None
    records: Counter[str] = Counter()
    bookings = ([_client_booking(b, records) for b in as_client]
                + [_partner_booking(b, records) for b in as_partner])
    records["first_session_waiver"] += len(exceptions)
    with force_locale(locale):
        summary = _summary(len(as_client), len(as_partner), len(exceptions))
    return {
        "format": FORMAT,
        "generated_at": _time(now),
        "email": key,
        "summary": summary,
        "bookings": bookings,
        "first_session_exceptions": [
            {"email": waiver.email, "note": waiver.note, "granted_at": _time(waiver.created_at)}
            for waiver in exceptions],
        # Where it came from: the tables and how many of their rows.
        "stored_records": dict(sorted(records.items())),
    }


def export_of_booking(booking_id: int, *, now: datetime,
                      locale: str = "de") -> dict[str, Any] | None:
    """export_person for the client of this booking; None when its data is erased."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.erased_at is not None or not booking.visitor_email:
        return None
    return export_person(booking.visitor_email, now=now, locale=locale)


def to_json(document: dict[str, Any]) -> str:
    """The document as the file people download: UTF-8 text, indented to be read."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _summary(client: int, partner: int, exceptions: int) -> str:
    parts = [ngettext("%(num)d booking in your name", "%(num)d bookings in your name", client)]
    if partner:
        parts.append(ngettext("%(num)d booking that names you as partner",
                              "%(num)d bookings that name you as partner", partner))
    if exceptions:
        parts.append(ngettext("%(num)d exception to the one free first consultation",
                              "%(num)d exceptions to the one free first consultation",
                              exceptions))
    return str(_("We store: %(what)s. Below are your details as you gave them, each booking's "
             "history, the messages we sent you (without their text, which we do not "
             "keep) and the therapist's notes.", what="; ".join(parts)))


def _common(booking: Booking, role: str) -> dict[str, Any]:
    return {
        "role": role,
        "reference": booking.public_id,
        "status": booking.status.value,
        "start": _time(booking.start_utc),
        "end": _time(booking.end_utc),
        "therapist": booking.therapist.display_name,
        "session": booking.session_type.name(booking.visitor_locale),
        "created_at": _time(booking.created_at),
    }


def _client_booking(booking: Booking, records: Counter[str]) -> dict[str, Any]:
    events = list(db.session.scalars(booking.events.select()))
    messages = _messages(booking, (Recipient.VISITOR.value,))
    copies = list(db.session.scalars(select(DataExport).where(
        DataExport.booking_id == booking.id).order_by(DataExport.id)))
    accesses = list(db.session.scalars(select(BookingAudit).where(
        BookingAudit.booking_id == booking.id).order_by(BookingAudit.at, BookingAudit.id)))
    records.update({"booking": 1, "booking_event": len(events), "outbox_message": len(messages),
                    "data_export": len(copies), "booking_audit": len(accesses)})
    return {
        **_common(booking, "client"),
        "name": booking.visitor_name,
        "email": booking.visitor_email,
        "phone": booking.visitor_phone,
        "partner_name": booking.partner_name,
        "partner_email": booking.partner_email,
        "message": booking.message,
        "language": booking.visitor_locale,
        "time_zone": booking.visitor_timezone,
        "source": booking.cta_source,
        "reminder_requested": booking.reminder_requested,
        "consent_at": _time(booking.consent_at),
        "confirmed_at": _time(booking.confirmed_at),
        "cancelled_at": _time(booking.cancelled_at),
        "cancel_reason": booking.cancel_reason,
        "therapist_note": booking.private_note,
        "history": [{"at": _time(event.at), "what": event.kind.value, "by": event.actor.value,
                     **({"previous_start": _time(event.previous_start_utc)}
                        if event.previous_start_utc else {})} for event in events],
        "messages": messages,
        "copy_requests": [{"requested_at": _time(copy.created_at),
                           "expires_at": _time(copy.expires_at),
                           "used_at": _time(copy.used_at)} for copy in copies],
        # Who at the practice opened, changed or exported this booking (an account
        # number, not a name: the people are the practice's staff).
        "practice_access": [{"at": _time(entry.at), "what": entry.action.value,
                             "account": entry.account_id} for entry in accesses],
    }


def _partner_booking(booking: Booking, records: Counter[str]) -> dict[str, Any]:
    messages = _messages(booking, (Recipient.PARTNER.value,))
    records.update({"booking": 1, "outbox_message": len(messages)})
    return {**_common(booking, "partner"), "name": booking.partner_name,
            "email": booking.partner_email, "messages": messages}


def _messages(booking: Booking, recipients: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.booking_id == booking.id).order_by(OutboxMessage.id))
    return [{"kind": row.kind, "queued_at": _time(row.created_at), "sent_at": _time(row.sent_at),
             "status": row.status.value, "to": row.payload.get("recipient")}
            for row in rows if row.payload.get("recipient") in recipients]


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
