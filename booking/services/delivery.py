"""Delivering the outbox: claim due rows, send them, retry with backoff.

Several workers on several hosts may run at once. A row is claimed in a short
transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite)
that sets `claimed_until`; nobody else takes it until that lease runs out. A
worker that dies mid-send leaves the lease to lapse, and the row is retried:
nothing is lost, and the stable Message-ID lets mail systems spot a repeat.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import or_, select

from booking.extensions import db
from booking.mail.transports import DeliveryError, Transport
from booking.models import OutboxMessage, OutboxStatus
from booking.transactions import unit_of_work

log = logging.getLogger(__name__)

# Longer than a whole batch can take (20 messages × a 30 s SMTP timeout), so no
# other worker takes a claimed message while its worker is still on the batch.
LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)


@dataclass(frozen=True)
class Channel:
    """How the messages of a kind leave when they are not mail (webhook calls):
    `send` raises DeliveryError to be retried like a mail; `is_obsolete` as for mail."""

    send: Callable[[OutboxMessage], None]
    is_obsolete: Callable[[OutboxMessage], bool]


@dataclass
class Report:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.skipped + self.retried + self.failed

    def count(self, outcome: OutboxStatus) -> None:
        if outcome is OutboxStatus.SENT:
            self.sent += 1
        elif outcome is OutboxStatus.SKIPPED:
            self.skipped += 1
        elif outcome is OutboxStatus.FAILED:
            self.failed += 1
        else:  # queued again, for a later attempt
            self.retried += 1


def deliver_due(*, now: datetime, transport: Transport,
                render: Callable[[OutboxMessage], EmailMessage],
                is_obsolete: Callable[[OutboxMessage], bool], batch: int = 20,
                rng: random.Random | None = None,
                channels: Mapping[str, Channel] | None = None) -> Report:
    """Send up to `batch` due messages; each outcome is a unit of work of its own.
    Messages of a kind in `channels` leave by that channel, all others as mail."""
    report = Report()
    rng = rng or random.Random()
    mail = Channel(send=lambda message: transport.send(render(message)),
                   is_obsolete=is_obsolete)
    for message_id in claim_due(now, batch):
        try:
            with unit_of_work():
                message = _claimed(message_id)
                outcome = _deliver(message, (channels or {}).get(message.kind, mail),
                                   now=now, rng=rng)
        except Exception as error:  # noqa: BLE001 — a bad row must not stop the others
            # Whatever rendering it left half done was rolled back with its unit of work.
            log.warning("outbox message %d could not be rendered: %s", message_id,
                        type(error).__name__)
            with unit_of_work():
                outcome = _retry_or_fail(_claimed(message_id),
                                         f"could not render: {type(error).__name__}", now, rng)
        report.count(outcome)
    return report


def _claimed(message_id: int) -> OutboxMessage:
    """A row this worker holds the lease on: nobody else deletes it meanwhile (a booking's
    messages go with it only when the booking row is deleted, which nothing does)."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise LookupError(f"outbox message {message_id} vanished while claimed")
    return message


def _deliver(message: OutboxMessage, channel: Channel, *, now: datetime,
             rng: random.Random) -> OutboxStatus:
    """Send (or skip) one claimed message and record the outcome (flush only)."""
    if channel.is_obsolete(message):
        _finish(message, OutboxStatus.SKIPPED, now)
        return OutboxStatus.SKIPPED
    try:
        channel.send(message)
    except DeliveryError as error:
        if error.permanent:  # retrying a mailbox that does not exist only delays the news
            return _fail(message, str(error))
        return _retry_or_fail(message, str(error), now, rng)
    _finish(message, OutboxStatus.SENT, now)
    return OutboxStatus.SENT


def claim_due(now: datetime, batch: int) -> list[int]:
    """Take a lease on up to `batch` due rows that no other worker holds."""
    with unit_of_work(immediate=True):
        rows = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.due_at <= now,
                   or_(OutboxMessage.claimed_until.is_(None),
                       OutboxMessage.claimed_until <= now))
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            row.claimed_until = now + LEASE
            row.attempts += 1
        ids = [row.id for row in rows]
    return ids


def failed_for_booking(booking_id: int) -> list[OutboxMessage]:
    """The messages about one booking that could not be delivered, oldest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.booking_id == booking_id,
                                    OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)))


def failed_messages() -> list[OutboxMessage]:
    """Messages that could not be delivered after the last retry, newest first."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())))


def requeue_failed(now: datetime, message_ids: list[int] | None = None) -> int:
    """Give failed messages a fresh set of attempts (all, or those named)."""
    query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    if message_ids:
        query = query.where(OutboxMessage.id.in_(message_ids))
    with unit_of_work():
        rows = db.session.scalars(query).all()
        for row in rows:
            row.status, row.attempts, row.due_at, row.claimed_until = (
                OutboxStatus.QUEUED, 0, now, None)
    return len(rows)


def backoff(attempt: int, rng: random.Random) -> timedelta:
    """Exponential, capped, with full jitter so that many workers do not retry in step."""
    ceiling: timedelta = min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_RETRY)
    return FIRST_RETRY / 2 + ceiling * rng.random()


def _finish(message: OutboxMessage, status: OutboxStatus, now: datetime) -> None:
    message.status = status
    message.sent_at = now
    message.claimed_until = None
    message.last_error = ""


def _retry_or_fail(message: OutboxMessage, reason: str, now: datetime,
                   rng: random.Random) -> OutboxStatus:
    """Queue the message for a later attempt, or give up after the last: its status."""
    if message.attempts >= MAX_ATTEMPTS:
        return _fail(message, reason)
    message.last_error = reason[:500]
    message.claimed_until = None
    message.due_at = now + backoff(message.attempts, rng)
    return message.status


def _fail(message: OutboxMessage, reason: str) -> OutboxStatus:
    """Give up on the message: it waits for the admin's "send again", with its reason."""
    message.last_error = reason[:500]
    message.claimed_until = None
    message.status = OutboxStatus.FAILED
    return message.status
