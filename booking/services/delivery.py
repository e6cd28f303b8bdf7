"""Delivering the outbox: claim due rows, send them, retry with backoff.

Several workers on several hosts may run at once. A row is claimed in a short
transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, BEGIN IMMEDIATE on SQLite)
that sets `claimed_until`; nobody else takes it until that lease runs out. A
worker that dies mid-send leaves the lease to lapse, and the row is retried:
nothing is lost, and the stable Message-ID lets mail systems spot a repeat.
A worker that sent a message but could not record it (the database went away)
keeps it in its `Unrecorded` and records it first when the database is back,
within the lease, so that nobody sends it again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import or_, select

from booking.extensions import db
from booking.mail.transports import DeliveryError, Transport
from booking.models import OutboxMessage, OutboxStatus
from booking.transactions import unit_of_work

log = logging.getLogger(__name__)

# Longer than a whole batch can take (20 messages × a 30 s SMTP timeout), so no
# other worker takes a claimed message while its worker is still on the batch.
DEFAULT_LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=2)


@dataclass(frozen=True)
class DeliverySettings:
    """How the worker delivers the outbox, from configuration."""

    # How long a claimed message is this worker's alone; after that, another worker
    # takes it (its worker is taken to have died) and sends it again.
    lease: timedelta = DEFAULT_LEASE

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DeliverySettings:
        return cls(lease=timedelta(seconds=float(config["OUTBOX_LEASE_SECONDS"])))


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


@dataclass
class Unrecorded:
    """Messages one worker sent whose outcome the database did not take (it went away
    between the send and the commit). The worker keeps this from round to round; the
    next round records them before anything else, while the lease still keeps other
    workers off them. (A worker that dies meanwhile leaves them to the lease.)"""

    sent: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Channel:
    """How the messages of a kind leave when they are not mail (webhook calls):
    `send` raises DeliveryError to be retried like a mail; `is_obsolete` as for mail."""

    send: Callable[[OutboxMessage], None]
    is_obsolete: Callable[[OutboxMessage], bool]


def deliver_due(*, now: datetime, transport: Transport,
                render: Callable[[OutboxMessage], EmailMessage],
                is_obsolete: Callable[[OutboxMessage], bool], batch: int = 20,
                lease: timedelta = DEFAULT_LEASE, unrecorded: Unrecorded | None = None,
                rng: random.Random | None = None,
                channels: Mapping[str, Channel] | None = None) -> Report:
    """Record what an earlier round sent but could not record (`unrecorded`), then send
    up to `batch` due messages, each under a `lease` (see claim_due); each outcome is
    a unit of work of its own. A message sent whose outcome cannot be committed goes
    into `unrecorded`, and the error ends the round. Messages of a kind in `channels`
    leave by that channel, all others as mail."""
    report = Report()
    rng = rng or random.Random()
    mail = Channel(send=lambda message: transport.send(render(message)),
                   is_obsolete=is_obsolete)
    unrecorded = Unrecorded() if unrecorded is None else unrecorded
    if unrecorded.sent:
        report.sent += record_sent(unrecorded.sent, now)
        unrecorded.sent.clear()
    for message_id in claim_due(now, batch, lease):
        outcome: OutboxStatus | None = None
        try:
            with unit_of_work():
                message = _claimed(message_id)
                outcome = _deliver(message, (channels or {}).get(message.kind, mail),
                                   now=now, rng=rng)
        except Exception as error:  # noqa: BLE001 — a bad row must not stop the others
            if outcome is OutboxStatus.SENT:  # it went out; only the commit failed
                unrecorded.sent.add(message_id)
                raise
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


def record_sent(message_ids: set[int], now: datetime) -> int:
    """Mark messages sent that this worker sent in an earlier round: how many were still
    waiting for it (one that another worker took meanwhile may be marked already)."""
    with unit_of_work():
        rows = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.id.in_(message_ids), OutboxMessage.status == OutboxStatus.QUEUED)
        ).all()
        for row in rows:
            _finish(row, OutboxStatus.SENT, now)
    return len(rows)


def claim_due(now: datetime, batch: int, lease: timedelta = DEFAULT_LEASE) -> list[int]:
    """Take a lease on up to `batch` due rows that no other worker holds: for `lease`,
    nobody else takes them. It must outlast the whole batch's delivery, or a slow batch
    is sent twice."""
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
            row.claimed_until = now + lease
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
