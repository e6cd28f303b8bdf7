"""What each kind of outbox message carries besides its booking: one type per kind.

The row stores the payload as JSON; these types are the contract between the
service that queues a message and the code that delivers it. A payload is
checked when it is queued (a type takes only its own fields) and when it is
read back (unknown, missing or mistyped keys are refused), so a misspelt key
fails at once instead of sending a wrong mail.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from booking.models.outbox import MessageKind, Recipient
from booking.models.webhooks import WebhookEvent


class PayloadError(ValueError):
    """A payload does not fit its message kind's contract."""


class CancelledBy(StrEnum):
    """Who ended the calendar entry; the mail's wording follows it."""

    VISITOR = "visitor"
    THERAPIST = "therapist"
    PRACTICE = "practice"
    HANDOVER = "handover"  # the entry moves to a colleague under a new UID


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[MessageKind]
    recipient: Recipient


class BookingPayload(Payload):
    """A message about a booking, with the booking's time and calendar SEQUENCE when
    it was queued: a message delivered late still describes the change that caused it."""

    sequence: int
    start: AwareDatetime
    end: AwareDatetime


class ConfirmRequest(BookingPayload):
    kind = MessageKind.CONFIRM_REQUEST


class Confirmed(BookingPayload):
    kind = MessageKind.CONFIRMED


class NewBooking(BookingPayload):
    kind = MessageKind.NEW_BOOKING


class Cancelled(BookingPayload):
    """A cancellation; `with_invite` when the recipient had the calendar entry (the
    booking was confirmed), so the mail carries METHOD:CANCEL. After a hand-over, `uid`
    names the old entry, `organizer_id` the therapist in whose name it is cancelled
    and `therapist_id` the therapist who gets the farewell."""

    kind = MessageKind.CANCELLED
    by: CancelledBy
    with_invite: bool
    uid: str | None = None
    organizer_id: int | None = None
    therapist_id: int | None = None


class Rescheduled(BookingPayload):
    """A move; the therapist's copy names the time it moved from."""

    kind = MessageKind.RESCHEDULED
    previous_start: AwareDatetime | None = None


class Reassigned(BookingPayload):
    kind = MessageKind.REASSIGNED


class Reminder(BookingPayload):
    kind = MessageKind.REMINDER


class Expired(BookingPayload):
    kind = MessageKind.EXPIRED


class AlreadyBooked(BookingPayload):
    kind = MessageKind.ALREADY_BOOKED


class CopyOfData(BookingPayload):
    """The link to a copy of the visitor's data. Only the DataExport row's id: the
    link's secret is derived at delivery (from SECRET_KEY and the row's nonce), so
    this row never holds a usable link."""

    kind = MessageKind.COPY_OF_DATA
    export_id: int


class AccountPayload(Payload):
    """A mail to a therapist about their account; its link is signed at delivery."""

    recipient: Recipient = Recipient.THERAPIST
    therapist_id: int


class PasswordReset(AccountPayload):
    kind = MessageKind.PASSWORD_RESET


class Invitation(AccountPayload):
    kind = MessageKind.INVITATION


class WebhookCall(Payload):
    """One event for one webhook endpoint. It snapshots the booking as the event left
    it (a retry an hour later still reports that step); the body is built and signed
    at each attempt, and the client's details, if the endpoint wants them, are read
    from the booking then, so an erasure in between reaches the receiver too.
    `start`, `end`, `status` and `sequence` are None for a test event."""

    kind = MessageKind.WEBHOOK
    recipient: Recipient = Recipient.WEBHOOK
    endpoint_id: int
    event: WebhookEvent
    occurred_at: AwareDatetime
    status: str | None = None
    sequence: int | None = None
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None


AnyPayload = BookingPayload | AccountPayload | WebhookCall

PAYLOAD_TYPES: dict[MessageKind, type[AnyPayload]] = {
    cls.kind: cls for cls in (ConfirmRequest, Confirmed, NewBooking, Cancelled, Rescheduled,
                              Reassigned, Reminder, Expired, AlreadyBooked, PasswordReset,
                              Invitation, WebhookCall, CopyOfData)
}


def payload_to_json(payload: Payload) -> dict[str, Any]:
    """The JSON the row stores: instants in ISO 8601, enums as their values."""
    return payload.model_dump(mode="json")


def payload_from_json(kind: str, data: dict[str, Any]) -> AnyPayload:
    """The typed payload of a stored row; PayloadError when it does not fit its kind."""
    try:
        cls = PAYLOAD_TYPES[MessageKind(kind)]
    except ValueError:
        raise PayloadError(f"unknown message kind {kind!r}") from None
    try:
        # Strict on the JSON as stored: no quietly coerced "3" for a number.
        return cls.model_validate_json(json.dumps(data), strict=True)
    except ValidationError as error:
        raise PayloadError(f"{kind}: {error.error_count()} problems: "
                           f"{[(e['loc'], e['type']) for e in error.errors()]}") from None
