"""The delivery loop behind `booking worker` (and, on the embedded default, behind
`booking run`): expire lapsed holds, deliver due mail and webhook calls, refresh due
busy calendars, sleep, repeat."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from functools import partial

from flask import Flask

from booking import clock
from booking.extensions import db
from booking.mail.transports import transport_from_url
from booking.models import MessageKind
from booking.services import bookings, busy_calendars, delivery, erasure, notifications, webhooks
from booking.settings import settings_of

log = logging.getLogger(__name__)


def run_once(app: Flask, unrecorded: delivery.Unrecorded | None = None) -> int:
    """One round, in its own app context and database session: returns how many
    bookings, messages and busy calendars it handled. Rendering mail needs no request:
    links are built on BASE_URL, and the app context carries the translations.
    `unrecorded` carries mail sent but not recorded from one round to the next."""
    settings = settings_of(app)
    with app.app_context():
        now = clock.utcnow()
        expired = bookings.expire_all_lapsed(now)
        erased = erasure.erase_old(now, retention=settings.retention)
        try:
            report = delivery.deliver_due(
                now=now, transport=transport_from_url(app.config["MAIL_URL"]),
                render=partial(notifications.render, now=now, mail=settings.mail),
                is_obsolete=notifications.is_obsolete, lease=settings.delivery.lease,
                unrecorded=unrecorded,
                channels={MessageKind.WEBHOOK.value: delivery.Channel(
                    send=partial(webhooks.send, now=now, secret_key=settings.secret_key,
                                 policy=settings.busy.fetch),
                    is_obsolete=webhooks.is_obsolete)},
            )
            mail_failure = None
        except Exception as error:  # noqa: BLE001 — re-raised below, after the calendars
            db.session.rollback()
            report, mail_failure = delivery.Report(), error
        # After the mail: a calendar server that hangs until its timeout must not delay it.
        # And whatever became of the mail: stale busy time would let visitors book over
        # the therapist's other appointments.
        calendars = busy_calendars.refresh_due(now=now, settings=settings.busy)
        db.session.remove()
    if mail_failure is not None:
        raise mail_failure
    if report.handled or expired or erased:
        # Counts only: a log line must not say who booked what.
        log.info("outbox: %d sent, %d skipped, %d to retry, %d failed; %d holds expired; "
                 "%d old bookings erased", report.sent, report.skipped, report.retried,
                 report.failed, expired, erased)
    if calendars:
        outcomes = Counter(refreshed.outcome for refreshed in calendars)
        log.info("busy calendars: %d updated, %d unchanged, %d failed",
                 outcomes[busy_calendars.Outcome.UPDATED],
                 outcomes[busy_calendars.Outcome.UNCHANGED],
                 outcomes[busy_calendars.Outcome.FAILED])
    return report.handled + expired + erased + len(calendars)


def drain(app: Flask) -> int:
    """Rounds until nothing due is left (for cron and tests)."""
    total = 0
    unrecorded = delivery.Unrecorded()
    while handled := run_once(app, unrecorded):
        total += handled
    return total


def loop(app: Flask, *, interval: float, stop: threading.Event) -> None:
    """Run rounds every `interval` seconds until `stop` is set; a failing round is
    logged and the loop goes on (the database or mail server may come back)."""
    log.info("worker started: a round every %s s", interval)
    unrecorded = delivery.Unrecorded()
    while not stop.is_set():
        try:
            run_once(app, unrecorded)
        except Exception:  # noqa: BLE001 — the worker outlives a bad round
            log.exception("outbox round failed; trying again in %s s", interval)
        stop.wait(interval)


def start_in_background(app: Flask, *, interval: float = 2.0) -> threading.Event:
    """For the development server: deliver mail from a daemon thread."""
    stop = threading.Event()
    threading.Thread(target=loop, args=(app,), kwargs={"interval": interval, "stop": stop},
                     name="outbox-worker", daemon=True).start()
    return stop
