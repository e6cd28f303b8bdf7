"""Webhooks: endpoints an admin registers, events queued in the outbox by the change
that caused them, and their delivery, signed per the Standard Webhooks specification
(https://www.standardwebhooks.com): `webhook-id`, `webhook-timestamp` and
`webhook-signature` headers over "id.timestamp.body", so a receiver verifies them with
an off-the-shelf library and rejects replays by their timestamp.

Calls leave like mail: an outbox row per event and endpoint, written in the booking's
transaction, sent by the worker with its retries and backoff, through the same
SSRF guard as busy calendars (booking.busy.fetch).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from standardwebhooks import Webhook

from booking.busy import fetch
from booking.errors import AddressRefused, CalendarProblem, InvalidInput, NotFound
from booking.extensions import db
from booking.mail.transports import DeliveryError
from booking.models import Booking, MessageKind, OutboxMessage, WebhookEndpoint, WebhookEvent
from booking.models.outbox_payloads import WebhookCall, payload_from_json
from booking.models.webhooks import subscribed_to
from booking.services import outbox
from booking.transactions import unit_of_work

USER_AGENT = "erstgespraech-booking (webhooks)"
BOOKING_EVENTS = tuple(event for event in WebhookEvent if event is not WebhookEvent.TEST)
RECENT = 50  # deliveries the admin page lists


@dataclass(frozen=True)
class Delivery:
    """One queued, sent or failed call, as the admin page lists it."""

    message: OutboxMessage
    endpoint_id: int
    event: WebhookEvent


def signing_secret(secret_key: str, endpoint: WebhookEndpoint) -> str:
    """The endpoint's secret in the Standard Webhooks form ("whsec_" + base64 of 32
    bytes), derived from SECRET_KEY and the endpoint's nonce."""
    digest = hmac.new(secret_key.encode(), f"webhook:{endpoint.id}:{endpoint.nonce}".encode(),
                      hashlib.sha256).digest()
    return "whsec_" + base64.b64encode(digest).decode()


def receiver_address(url: str, policy: fetch.FetchPolicy) -> str:
    """The receiver's address as it will be called, if it may be: it passes the
    busy-calendar fetch guard (no credentials, public or allowlisted) and uses https,
    since every call says that someone booked therapy (and may carry their details).
    Plain http only to a host the operator allowlisted (BUSY_ALLOWED_HOSTS), such as a
    receiver inside the practice's own network. AddressRefused otherwise."""
    url = fetch.check_address(url, policy)
    host = fetch.host_of(url)
    if urlsplit(url).scheme != "https" and not policy.allowlists(host):
        raise AddressRefused(f"{host} would receive booking data unencrypted", "not_https",
                             host=host)
    return url


def add_endpoint(*, url: str, events: Iterable[str], include_client_details: bool,
                 now: datetime, secret_key: str, policy: fetch.FetchPolicy) -> tuple[
                     WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret (to be shown once).

    The address must pass receiver_address now; it is checked again at every
    delivery, because DNS can change. Raises InvalidInput for no or unknown events,
    AddressRefused or CalendarUnavailable for the address.
    """
    chosen = list(dict.fromkeys(events))
    if not chosen or any(e not in {b.value for b in BOOKING_EVENTS} for e in chosen):
        raise InvalidInput("events", "choose at least one of " +
                           ", ".join(e.value for e in BOOKING_EVENTS))
    url = receiver_address(url, policy)
    with unit_of_work():
        endpoint = WebhookEndpoint(url=url, events=chosen,
                                   include_client_details=include_client_details,
                                   nonce=secrets.token_urlsafe(24), created_at=now)
        db.session.add(endpoint)
        db.session.flush()
    return endpoint, signing_secret(secret_key, endpoint)


def remove_endpoint(endpoint_id: int) -> None:
    """Delete an endpoint; its queued calls are skipped at delivery."""
    with unit_of_work():
        db.session.delete(_endpoint(endpoint_id))


def endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def recent_deliveries(limit: int = RECENT) -> list[Delivery]:
    """The latest webhook calls of all endpoints, newest first."""
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == MessageKind.WEBHOOK.value)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit))
    found = []
    for row in rows:
        call = _call_of(row)
        found.append(Delivery(row, call.endpoint_id, call.event))
    return found


def send_test_event(endpoint_id: int, *, now: datetime) -> None:
    """Queue a `webhook.test` call to one endpoint (the admin's button)."""
    with unit_of_work():
        endpoint = _endpoint(endpoint_id)
        outbox.enqueue(None, WebhookCall(endpoint_id=endpoint.id, event=WebhookEvent.TEST,
                                         occurred_at=now), now)


def emit(booking: Booking, event: WebhookEvent, now: datetime) -> None:
    """Queue `event` about `booking` for every endpoint that subscribed to it, in the
    current transaction (flush only): it leaves only if the change is committed."""
    # Read in the transaction, from any host's writes: the ids and events only (this
    # runs with every booking, mostly to find none), and without flushing what the
    # caller queued just before (the commit flushes it with the rest).
    subscribed = db.session.connection().execute(_SUBSCRIPTIONS).all()
    for endpoint_id, events in subscribed:
        if subscribed_to(events, event):
            outbox.enqueue(booking, WebhookCall(
                endpoint_id=endpoint_id, event=event, occurred_at=now,
                status=booking.status.value, sequence=booking.sequence,
                start=booking.start_utc, end=booking.end_utc), now)


_SUBSCRIPTIONS = select(WebhookEndpoint.id, WebhookEndpoint.events).order_by(WebhookEndpoint.id)


def is_obsolete(message: OutboxMessage) -> bool:
    """A call to an endpoint removed since is not made."""
    return db.session.get(WebhookEndpoint, _call_of(message).endpoint_id) is None


def send(message: OutboxMessage, *, now: datetime, secret_key: str,
         policy: fetch.FetchPolicy) -> None:
    """Make one signed call; DeliveryError (safe to log: no address, no body) unless the
    receiver answered 2xx. The timestamp is this attempt's, the id the message's, so a
    receiver spots a retry of a call it has already processed."""
    call = _call_of(message)
    endpoint = _endpoint(call.endpoint_id)
    body = json.dumps(_body(call, message.booking, endpoint), separators=(",", ":"),
                      ensure_ascii=False)
    webhook_id = webhook_id_of(message)
    signature = Webhook(signing_secret(secret_key, endpoint)).sign(webhook_id, now, body)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               "webhook-id": webhook_id, "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": signature}
    try:
        status = fetch.post(receiver_address(endpoint.url, policy), body.encode(), headers,
                            policy=policy)
    except AddressRefused as refused:  # the same answer next time: no point retrying
        raise DeliveryError(str(refused), permanent=True) from refused
    except CalendarProblem as problem:
        raise DeliveryError(str(problem).replace("calendar ", "")) from problem
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from {fetch.host_of(endpoint.url)}")


def webhook_id_of(message: OutboxMessage) -> str:
    """The call's stable id ("msg_" and the hex of its Message-ID)."""
    return "msg_" + message.message_id.split(".", 1)[-1].split("@", 1)[0]


def _body(call: WebhookCall, booking: Booking | None,
          endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The event as the Standard Webhooks envelope: type, timestamp and data."""
    data: dict[str, Any]
    if booking is None:
        data = {"endpoint": endpoint.id}
    else:
        data = {
            "id": booking.public_id, "status": call.status, "sequence": call.sequence,
            "start": _iso(call.start), "end": _iso(call.end),
            "therapist": {"slug": booking.therapist.slug,
                          "name": booking.therapist.display_name},
            "session_type": booking.session_type.slug, "source": booking.cta_source,
            "locale": booking.visitor_locale,
        }
        if endpoint.include_client_details:
            data["client"] = {
                "name": booking.visitor_name, "email": booking.visitor_email,
                "phone": booking.visitor_phone, "partner_name": booking.partner_name,
                "partner_email": booking.partner_email, "message": booking.message}
    return {"type": call.event.value, "timestamp": _iso(call.occurred_at), "data": data}


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def _call_of(message: OutboxMessage) -> WebhookCall:
    call = payload_from_json(message.kind, message.payload)
    if not isinstance(call, WebhookCall):
        raise TypeError(f"outbox message {message.id} is not a webhook call")
    return call


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound("no such webhook endpoint")
    return endpoint
