"""Webhooks: signed per Standard Webhooks, delivered through the outbox to a loopback
receiver that verifies them with the `standardwebhooks` library."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from booking import worker
from booking.errors import AddressRefused
from booking.extensions import db
from booking.models import MessageKind, OutboxMessage, OutboxStatus, WebhookEndpoint
from booking.services import bookings, webhooks
from booking.settings import settings_of
from booking.transactions import unit_of_work
from tests.support import reconfigure

EVENTS = ["booking.requested", "booking.confirmed", "booking.cancelled"]


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it is sent and answers with the
    statuses it is told (200 once they run out)."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def verified(self, secret: str) -> list[dict]:
        return [Webhook(secret).verify(body, headers) for headers, body in self.received]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app, tmp_path) -> Iterator[Receiver]:
    # Loopback is private: only the operator's allowlist, as for busy calendars, lets it in.
    reconfigure(app, BUSY_ALLOWED_HOSTS=("127.0.0.1",), BUSY_FETCH_TIMEOUT_SECONDS=5,
                MAIL_URL=f"file://{tmp_path / 'mail'}")
    running = Receiver()
    yield running
    running.stop()


def add(app, url: str, *, details: bool = False, events=EVENTS):
    settings = settings_of(app)
    return webhooks.add_endpoint(url=url, events=events, include_client_details=details,
                                 now=datetime.now(UTC), secret_key=settings.secret_key,
                                 policy=settings.busy.fetch)


def deliver_now(app, clock, *, at: datetime | None = None) -> None:
    """Run the worker at the real time (the receiver checks timestamps against its own
    clock), or at `at`."""
    clock.set(at or datetime.now(UTC))
    worker.run_once(app)


def test_requested_and_confirmed_reach_the_receiver_signed_and_without_client_details(
        app, clock, receiver, make_booking, token_of, policy):
    _, secret = add(app, receiver.url)
    booking = make_booking(phone="0171 000000", message="private words")
    bookings.confirm_booking(token_of(booking), now=clock.now(), policy=policy)
    deliver_now(app, clock)
    requested, confirmed = receiver.verified(secret)
    assert [requested["type"], confirmed["type"]] == ["booking.requested", "booking.confirmed"]
    assert requested["data"]["id"] == booking.public_id
    assert requested["data"]["status"] == "pending" and confirmed["data"]["status"] == "confirmed"
    assert requested["data"]["start"] == "2026-06-03T07:00:00Z"
    assert requested["data"]["therapist"]["slug"] == booking.therapist.slug
    raw = b"".join(body for _, body in receiver.received)
    for personal in (b"Kim", b"kim@example.org", b"0171", b"private words"):
        assert personal not in raw


def test_an_endpoint_that_opts_in_gets_the_client_details(app, clock, receiver, make_booking):
    _, secret = add(app, receiver.url, details=True)
    make_booking(phone="0171 000000")
    deliver_now(app, clock)
    [event] = receiver.verified(secret)
    assert event["data"]["client"]["email"] == "kim@example.org"
    assert event["data"]["client"]["phone"] == "0171 000000"


def test_only_the_subscribed_events_are_sent(app, clock, receiver, make_booking):
    add(app, receiver.url, events=["booking.cancelled"])
    make_booking(confirmed=True)
    deliver_now(app, clock)
    assert receiver.received == []


def test_a_changed_body_or_an_old_timestamp_is_rejected_by_the_receiver(
        app, clock, receiver, make_booking):
    _, secret = add(app, receiver.url)
    make_booking()
    deliver_now(app, clock, at=datetime.now(UTC) - timedelta(minutes=10))
    [(headers, body)] = receiver.received
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(body, headers)
    fresh = {**headers, "webhook-timestamp": str(int(datetime.now(UTC).timestamp()))}
    with pytest.raises(WebhookVerificationError):  # the signature covers the timestamp
        Webhook(secret).verify(body, fresh)
    deliver_now(app, clock)
    receiver.received.clear()
    db.session.execute(OutboxMessage.__table__.update().values(status=OutboxStatus.QUEUED.value,
                                                               claimed_until=None))
    db.session.commit()
    deliver_now(app, clock)
    [(headers, body)] = receiver.received
    Webhook(secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"pending", b"confirmed"), headers)


def test_a_failing_receiver_gets_retries_with_the_same_id(app, clock, receiver, make_booking):
    _, secret = add(app, receiver.url)
    make_booking()
    receiver.statuses = [500, 503]
    deliver_now(app, clock)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "webhook"))
    assert message.status is OutboxStatus.QUEUED and message.last_error == "HTTP 500 from 127.0.0.1"
    assert message.due_at > clock.now()  # backoff
    for _ in range(2):
        deliver_now(app, clock, at=clock.now() + timedelta(hours=3))
    db.session.rollback()  # the worker wrote in a session of its own: read afresh
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "webhook"))
    assert len(receiver.received) == 3 and message.status is OutboxStatus.SENT
    assert len({headers["webhook-id"] for headers, _ in receiver.received}) == 1


def test_nothing_is_lost_while_the_receiver_is_down(app, clock, receiver, make_booking,
                                                    token_of, policy):
    _, secret = add(app, receiver.url)
    port = receiver.server.server_address[1]
    receiver.stop()
    booking = make_booking()
    bookings.confirm_booking(token_of(booking), now=clock.now(), policy=policy)
    deliver_now(app, clock)
    queued = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "webhook"))
    assert {m.status for m in queued} == {OutboxStatus.QUEUED}
    back = Receiver(port)  # up again, at the endpoint's address
    # The retries fall due (here at once: the receiver checks the signed timestamps
    # against the real time, so the worker's clock cannot be moved ahead instead).
    db.session.execute(OutboxMessage.__table__.update().values(due_at=datetime.now(UTC)))
    db.session.commit()
    try:
        deliver_now(app, clock)
        assert [event["type"] for event in back.verified(secret)] == [
            "booking.requested", "booking.confirmed"]
    finally:
        back.stop()


def test_a_private_address_is_refused_as_for_busy_calendars(app):
    settings = settings_of(app)
    with pytest.raises(AddressRefused):
        webhooks.add_endpoint(url="http://169.254.169.254/latest", events=EVENTS,
                              include_client_details=False, now=datetime.now(UTC),
                              secret_key=settings.secret_key, policy=settings.busy.fetch)


def test_the_payload_is_the_standard_webhooks_envelope(app, clock, receiver):
    endpoint, secret = add(app, receiver.url)
    webhooks.send_test_event(endpoint.id, now=clock.now())
    deliver_now(app, clock)
    [(headers, body)] = receiver.received
    assert headers["webhook-id"].startswith("msg_")
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"type": "webhook.test", "timestamp": "2026-06-01T08:00:00Z",
                                "data": {"endpoint": endpoint.id}}
    assert secret.startswith("whsec_")


def test_a_public_receiver_without_https_is_refused_as_booking_data_would_travel_openly(app):
    with pytest.raises(AddressRefused) as refused:
        add(app, "http://93.184.216.34/hooks")  # a public address, called in the clear
    assert refused.value.problem == {"code": "not_https", "host": "93.184.216.34"}
    assert webhooks.endpoints() == []


def test_a_receiver_stored_with_plain_http_before_the_rule_is_never_called(
        app, clock, make_booking):
    with unit_of_work():  # as an earlier version let it be stored
        db.session.add(WebhookEndpoint(url="http://93.184.216.34/hooks", events=EVENTS,
                                       include_client_details=True, nonce="n",
                                       created_at=clock.now()))
    make_booking()
    deliver_now(app, clock)
    db.session.rollback()
    [call] = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == MessageKind.WEBHOOK.value)).all()
    assert call.status is OutboxStatus.FAILED  # at once: it would be refused every time
    assert "unencrypted" in call.last_error
