"""The outbox worker: every message arrives once, in its reader's language, even
when the mail server was down or several workers drain one outbox."""

from __future__ import annotations

import email
import logging
import random
import threading
from datetime import timedelta
from email import policy as email_policy

import icalendar
import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError

from booking import settings, worker
from booking.extensions import db
from booking.mail.transports import transport_from_url
from booking.models import Booking, OutboxMessage, OutboxStatus
from booking.services import bookings, delivery
from tests.conftest import FIXED_NOW
from tests.smtp import LoopbackController, RecordingHandler, free_port
from tests.support import WEDNESDAY_9, at_once, reconfigure


def parsed(received) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(r.content, policy=email_policy.default) for r in received]


def outbox() -> list[OutboxMessage]:
    db.session.rollback()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_confirming_sends_each_reader_their_mail_in_their_language(
        app, smtp, make_therapist, policy, make_booking, token_of):
    therapist = make_therapist()
    booking = make_booking(therapist, locale="en", partner_name="Sam",
                           partner_email="sam@example.org")
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    worker.drain(app)
    mails = {(m["To"].addresses[0].addr_spec, m["Subject"]) for m in parsed(smtp.received)}
    assert mails == {
        ("kim@example.org", "Please confirm your first consultation on Wednesday, June 3, 2026"),
        ("kim@example.org", "Your first consultation on Wednesday, June 3, 2026 is confirmed"),
        ("sam@example.org", "Your first consultation on Wednesday, June 3, 2026 is confirmed"),
        (therapist.email, "Neue Buchung: Erstgespräch am Mittwoch, 3. Juni 2026"),
    }
    assert {m.status for m in outbox()} == {OutboxStatus.SENT}


def test_the_invite_in_the_mail_is_a_request_for_the_booked_time(
        app, smtp, policy, make_booking, token_of):
    booking = make_booking()
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    worker.drain(app)
    confirmed = [m for m in parsed(smtp.received) if "bestätigt" in m["Subject"]][0]
    part = next(p for p in confirmed.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    event = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
    assert (str(event["UID"]), int(event["SEQUENCE"])) == (booking.ical_uid, 0)
    assert event["DTSTART"].dt == WEDNESDAY_9


def test_with_the_mail_server_down_booking_works_and_mail_follows_once_it_is_back(
        app, clock, make_booking):
    port = free_port()
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
    make_booking()
    worker.run_once(app)
    [waiting] = outbox()
    assert (waiting.status, waiting.attempts) == (OutboxStatus.QUEUED, 1)
    assert waiting.last_error == "SMTP connection refused"
    retry_at = waiting.due_at
    assert retry_at > FIXED_NOW

    handler = RecordingHandler()
    server = LoopbackController(handler, hostname="127.0.0.1", port=port)
    server.start()
    try:
        worker.run_once(app)
        assert handler.received == []  # not due yet: the retry waits its backoff
        clock.set(retry_at)
        worker.drain(app)
        worker.drain(app)
    finally:
        server.stop()
    assert len(handler.received) == 1
    assert outbox()[0].status is OutboxStatus.SENT


def test_two_workers_draining_one_outbox_deliver_each_message_exactly_once(
        app, smtp, make_booking):
    for n in range(12):
        make_booking(email=f"v{n}@example.org")
    barrier = threading.Barrier(2)

    def drain() -> None:
        barrier.wait()
        worker.drain(app)

    at_once(drain, drain)
    ids = [m["Message-ID"] for m in parsed(smtp.received)]
    assert len(ids) == len(set(ids)) == 12


def test_a_message_whose_worker_died_mid_send_is_retried_after_its_lease(
        app, smtp, clock, make_booking):
    make_booking()
    assert len(delivery.claim_due(FIXED_NOW, batch=10)) == 1  # ...and the worker dies here
    worker.drain(app)
    assert smtp.received == []  # nobody else takes a leased message
    clock.advance(delivery.DEFAULT_LEASE)
    worker.drain(app)
    assert len(smtp.received) == 1


class WorkerKilled(BaseException):
    """The worker's process ends mid-send (nothing in it catches this)."""


class DyingTransport:
    def send(self, message) -> None:
        raise WorkerKilled


def test_the_worker_leases_for_as_long_as_configured(
        app, smtp, clock, make_booking, monkeypatch):
    app.config["OUTBOX_LEASE_SECONDS"] = 5
    settings.init_app(app)
    make_booking()
    with monkeypatch.context() as patched:
        patched.setattr(worker, "transport_from_url", lambda url: DyingTransport())
        with pytest.raises(WorkerKilled):
            worker.run_once(app)
    clock.advance(timedelta(seconds=4))
    worker.drain(app)
    assert smtp.received == []
    clock.advance(timedelta(seconds=1))
    worker.drain(app)
    assert len(smtp.received) == 1


class DatabaseGoneAfterSending:
    """Sends, and then the database goes away before the outcome is committed."""

    def __init__(self, transport):
        self.transport = transport

    def send(self, message) -> None:
        self.transport.send(message)
        event.listen(db.session(), "before_commit", database_gone, once=True)


def database_gone(session) -> None:
    raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))


def test_a_message_sent_just_before_the_database_went_away_is_recorded_not_sent_again(
        app, smtp, clock, make_booking, monkeypatch):
    make_booking()
    unrecorded = delivery.Unrecorded()
    with monkeypatch.context() as patched:
        patched.setattr(worker, "transport_from_url",
                        lambda url: DatabaseGoneAfterSending(transport_from_url(url)))
        with pytest.raises(OperationalError):
            worker.run_once(app, unrecorded)
    assert len(smtp.received) == 1
    worker.run_once(app, unrecorded)  # the database is back: the round records it first
    assert [m.status for m in outbox()] == [OutboxStatus.SENT]
    clock.advance(delivery.DEFAULT_LEASE)
    worker.drain(app)
    assert len(smtp.received) == 1


class BrokenTransport:
    def send(self, message) -> None:
        raise delivery.DeliveryError("SMTP 451 try again later")


def test_a_message_that_keeps_failing_ends_failed_with_its_reason_and_can_be_requeued(
        app, make_booking):
    make_booking()
    now = FIXED_NOW
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver_due(now=now, transport=BrokenTransport(), render=lambda m: m,
                             is_obsolete=lambda m: False)
        now += delivery.LONGEST_RETRY * 2
    [message] = outbox()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, delivery.MAX_ATTEMPTS)
    assert message.last_error == "SMTP 451 try again later"
    result = app.test_cli_runner().invoke(args=["requeue-failed"])
    assert "Queued 1 message(s) again." in result.output
    assert outbox()[0].status is OutboxStatus.QUEUED


def test_a_message_that_cannot_be_rendered_does_not_stop_the_others(app, smtp, make_booking):
    make_booking()
    make_booking(email="lou@example.org")
    first = outbox()[0]
    first.payload = {**first.payload, "recipient": "nobody"}
    db.session.commit()
    worker.run_once(app)
    assert [m.status for m in outbox()] == [OutboxStatus.QUEUED, OutboxStatus.SENT]
    assert outbox()[0].last_error == "could not render: PayloadError"


def test_reminders_go_out_at_their_time_and_not_for_moved_or_cancelled_bookings(
        app, smtp, clock, policy, make_booking, token_of):
    kept = make_booking(reminder_requested=True)
    moved = make_booking(email="lou@example.org", reminder_requested=True)
    for booking in (kept, moved):
        bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    bookings.reschedule_by_visitor(token_of(moved), start=WEDNESDAY_9 + timedelta(days=1),
                                   now=FIXED_NOW, policy=policy)
    worker.drain(app)
    assert not [m for m in parsed(smtp.received) if "Erinnerung" in m["Subject"]]
    clock.set(WEDNESDAY_9 - policy.reminder_before)
    worker.drain(app)
    reminders = [m for m in parsed(smtp.received) if "Erinnerung" in m["Subject"]]
    assert [m["To"].addresses[0].addr_spec for m in reminders] == ["kim@example.org"]
    skipped = [m for m in outbox() if m.status is OutboxStatus.SKIPPED]
    assert [m.booking_id for m in skipped] == [moved.id]


def test_retries_back_off_exponentially_with_jitter():
    rng = random.Random(7)
    waits = [delivery.backoff(attempt, rng) for attempt in range(1, 12)]
    assert all(delivery.FIRST_RETRY / 2 <= w <= delivery.LONGEST_RETRY * 1.5 for w in waits)
    assert max(waits[:2]) < min(waits[-3:])
    assert len(set(waits)) == len(waits)


def test_the_worker_logs_counts_but_nothing_about_people(app, smtp, caplog, make_booking):
    make_booking()
    with caplog.at_level(logging.INFO):
        worker.drain(app)
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("booking"))
    assert "1 sent" in ours
    assert "kim@example.org" not in ours and "Kim" not in ours


def test_invitations_of_a_booking_cancelled_before_they_went_out_are_skipped_not_failed(
        app, smtp, policy, make_booking, token_of):
    """Moved, then cancelled, before the worker came round: the cancellation says the
    last word; the 'new time' invitations would be refused by the invite builder."""
    booking = make_booking()
    token = token_of(booking)
    bookings.confirm_booking(token, now=FIXED_NOW, policy=policy)
    bookings.reschedule_by_visitor(token, start=WEDNESDAY_9 + timedelta(days=1), now=FIXED_NOW,
                                   policy=policy)
    bookings.cancel_by_visitor(token, reason="", now=FIXED_NOW, policy=policy)
    worker.drain(app)
    statuses = {(m.kind, m.status) for m in outbox()}
    assert ("booking_rescheduled", OutboxStatus.SKIPPED) in statuses
    assert all(status is not OutboxStatus.FAILED and status is not OutboxStatus.QUEUED
               for _, status in statuses)
    subjects = [m["Subject"] for m in parsed(smtp.received)]
    assert any(subject.startswith("Abgesagt") for subject in subjects)


def test_the_worker_erases_old_bookings_unless_retention_is_off(
        app, smtp, clock, policy, make_booking, token_of):
    booking = make_booking()
    bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
    clock.set(WEDNESDAY_9 + timedelta(days=400))
    reconfigure(app, RETENTION_DAYS=0)
    worker.drain(app)
    db.session.rollback()
    assert db.session.get(Booking, booking.id).erased_at is None
    reconfigure(app, RETENTION_DAYS=365)
    worker.drain(app)
    db.session.rollback()
    assert db.session.get(Booking, booking.id).erased_at is not None


@pytest.mark.parametrize("answer", ["550 5.1.1 No such user", "551 5.1.6 User not local",
                                    "553 5.1.3 Mailbox name not allowed"])
def test_an_address_that_does_not_exist_fails_at_once_with_its_reason(app, smtp, make_booking,
                                                                      answer):
    smtp.answers["kim@example.org"] = answer
    make_booking()
    worker.run_once(app)
    [refused] = outbox()
    assert (refused.status, refused.attempts) == (OutboxStatus.FAILED, 1)
    assert refused.last_error == f"SMTP {answer[:9]} recipient rejected"
    assert delivery.failed_for_booking(refused.booking_id) == [refused]


@pytest.mark.parametrize("answer", ["450 4.2.1 Mailbox busy, try later",
                                    "452 4.2.2 Mailbox full", "552 5.2.2 Mailbox full",
                                    "554 5.7.1 Relay access denied"])
def test_a_refusal_that_may_pass_is_retried_with_backoff(app, smtp, make_booking, answer):
    smtp.answers["kim@example.org"] = answer
    make_booking()
    worker.run_once(app)
    [waiting] = outbox()
    assert (waiting.status, waiting.attempts) == (OutboxStatus.QUEUED, 1)
    assert waiting.due_at > FIXED_NOW
