"""The promises about many processes on many hosts, kept by real processes: three
gunicorn servers and two outbox workers on one PostgreSQL database, an SMTP server
and Redis, all on loopback. And the same booking race on one host with SQLite.

Runs in CI (.ci/run sets BOOKING_TEST_POSTGRES_URL and BOOKING_TEST_REDIS_URL);
select it alone with `pytest -m many_hosts`.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from sqlalchemy import make_url, select

from booking import create_app
from booking.extensions import db
from booking.models import OCCUPYING, Booking, OutboxMessage, OutboxStatus
from tests.conftest import (
    FIXED_NOW,
    POSTGRES_URL,
    TEST_DATA_KEY,
    IsolatedClient,
    app_config,
    migrate_to_head,
    postgres_database,
)
from tests.many_hosts_support import (
    JUST_TAKEN,
    Attempt,
    CuttableProxy,
    Hold,
    HoldingHandler,
    Processes,
    details_path,
    pid_with_connection,
    running,
    seed_practice,
    wait_until,
)
from tests.smtp import LoopbackController, free_port
from tests.web.forms import hidden_inputs

pytestmark = pytest.mark.many_hosts

REDIS_URL = os.environ.get("BOOKING_TEST_REDIS_URL")
needs_the_cluster = pytest.mark.skipif(
    not (POSTGRES_URL and REDIS_URL),
    reason="the many-hosts test needs PostgreSQL and Redis: set BOOKING_TEST_POSTGRES_URL "
           "(e.g. postgresql://postgres@127.0.0.1:5432/postgres) and BOOKING_TEST_REDIS_URL "
           "(e.g. redis://127.0.0.1:6379/15, a database the test may empty)",
)
ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BERLIN = ZoneInfo("Europe/Berlin")
# Short, so that a dead worker's message goes out within the test; long enough for a
# whole batch on a busy 2-core machine (a batch sent past its lease is sent twice).
LEASE_SECONDS = 6


@dataclass
class Cluster:
    servers: list[str]  # base URLs of the three gunicorn servers
    workers: list[int]  # pids of the outbox workers
    processes: Processes
    proxy: CuttableProxy
    smtp: HoldingHandler
    smtp_port: int
    app: object  # a Flask app on the same database, for the test's own reads

    def slots(self, days_ahead: int, count: int) -> list[datetime]:
        """`count` hourly slot starts (UTC) from 08:00 in Berlin `days_ahead` days from
        today, twelve a day (to 19:00), then the next day's."""
        today = datetime.now(BERLIN).date()
        starts = []
        for n in range(count):
            day, hour = divmod(n, 12)
            local = datetime.combine(today + timedelta(days=days_ahead + day),
                                     datetime.min.time(), BERLIN).replace(hour=8 + hour)
            starts.append(local.astimezone(UTC))
        return starts

    def bookings(self, emails: set[str]) -> list[Booking]:
        with self.app.app_context():
            found = db.session.scalars(select(Booking).where(Booking.visitor_email.in_(emails)))
            rows = list(found)
            db.session.expunge_all()
            db.session.remove()
            return rows

    def outbox_of(self, booking_ids: list[int]) -> list[OutboxMessage]:
        with self.app.app_context():
            rows = list(db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.booking_id.in_(booking_ids))))
            db.session.expunge_all()
            db.session.remove()
            return rows

    def unsent(self) -> int:
        with self.app.app_context():
            rows = db.session.scalars(select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.QUEUED)).all()
            db.session.remove()
            return len(rows)

    def drained(self, *, timeout: float = 30) -> None:
        wait_until(lambda: self.unsent() == 0, timeout=timeout,
                   what="the workers to send every queued message")

    def mails_to(self, emails: set[str]) -> Counter[str]:
        return Counter(to for to, _ in self.smtp.mails() if to in emails)

    def message_ids(self) -> Counter[str]:
        return Counter(mid for _, mid in self.smtp.mails())


def process_env(database_url: str, base_url: str, smtp_port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("BOOKING_", "FLASK_", "GUNICORN_"))}
    return env | {
        "DATABASE_URL": database_url, "SECRET_KEY": "many-hosts-secret",
        "DATA_KEY": TEST_DATA_KEY,
        "BASE_URL": base_url, "MAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "REDIS_URL": REDIS_URL or "", "TRUSTED_PROXY_HOPS": "1", "LOG_FORMAT": "json",
        "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS), "PYTHONUNBUFFERED": "1",
        # The code under test, whichever checkout the virtualenv was installed from.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    }


def ready(base_url: str) -> bool:
    from tests.many_hosts_support import request

    return request(base_url, "GET", "/readyz", client_ip="127.0.0.1", timeout=2).status == 200


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    redis.Redis.from_url(REDIS_URL).flushdb()  # rate limits of earlier runs
    with postgres_database() as direct_url:
        migrate_to_head(direct_url)
        app = create_app(app_config(direct_url))
        with app.app_context():
            seed_practice()
            db.session.remove()
        upstream = make_url(direct_url)
        proxy = CuttableProxy((upstream.host or "127.0.0.1", upstream.port or 5432))
        through_proxy = upstream.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False)
        smtp = HoldingHandler()
        controller = LoopbackController(smtp, hostname="127.0.0.1", port=0)
        controller.start()
        processes = Processes(tmp_path_factory.mktemp("many-hosts-logs"))
        with running(processes.stop_all, controller.stop, proxy.close, lambda: dispose(app)):
            servers = []
            for n in range(3):
                port = free_port()
                base = f"http://127.0.0.1:{port}"
                env = process_env(through_proxy, base, controller.port) | {
                    "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}
                processes.start(f"server-{n}", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py",
                                                "--graceful-timeout", "3", "wsgi:app"],
                                env, ROOT)
                servers.append(base)
            workers = [
                processes.start(f"worker-{n}", [str(BIN / "booking"), "worker",
                                                "--interval", "0.5"],
                                process_env(through_proxy, servers[0], controller.port), ROOT)
                for n in range(2)]
            for base in servers:
                wait_until(lambda base=base: ready(base), timeout=60, every=0.2,
                           what=f"{base}/readyz")
            yield Cluster(servers, [w.pid for w in workers], processes, proxy, smtp,
                          controller.port, app)


def dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()


def client_ip(n: int) -> str:
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


@needs_the_cluster
def test_200_visitors_racing_for_10_slots_on_three_servers_get_10_bookings_and_10_mails(
        cluster):
    slots = cluster.slots(days_ahead=2, count=10)
    servers = cluster.servers
    attempts = [Attempt(start=slots[n % 10], email=f"race-{n}@example.org",
                        client_ip=client_ip(1000 + n), form_server=servers[n % 3],
                        post_server=servers[(n + 1) % 3]) for n in range(200)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        forms = list(pool.map(Attempt.fetch_form, attempts))
    assert all(forms), Counter(a.status for a in attempts)

    start_together = threading.Barrier(len(attempts), timeout=60)

    def post(attempt: Attempt) -> None:
        start_together.wait()
        attempt.post()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        list(pool.map(post, attempts))

    answers = Counter(a.status for a in attempts)
    assert set(answers) <= {303, 409, 429}, (answers, cluster.processes.log_tail())
    winners = {a.email for a in attempts if a.booked}
    assert len(winners) == 10, answers
    assert all(JUST_TAKEN in a.answer.text for a in attempts if a.status == 409)

    booked = cluster.bookings({a.email for a in attempts})
    assert {b.visitor_email for b in booked} == winners
    assert sorted(b.start_utc for b in booked) == slots
    active = sorted((b.blocked_start_utc, b.blocked_end_utc) for b in booked
                    if b.status in OCCUPYING)
    assert len(active) == 10
    assert all(end <= next_start for (_, end), (next_start, _) in itertools.pairwise(active))

    cluster.drained()
    assert cluster.mails_to({a.email for a in attempts}) == Counter(winners)
    outbox_ids = {m.message_id for m in cluster.outbox_of([b.id for b in booked])}
    ids = cluster.message_ids()
    assert {mid: ids[mid] for mid in outbox_ids} == dict.fromkeys(outbox_ids, 1)


@needs_the_cluster
def test_a_lost_database_answers_503_and_loses_or_doubles_nothing(cluster):
    slots = cluster.slots(days_ahead=4, count=96)
    servers = cluster.servers
    numbers = itertools.count()
    attempts: list[Attempt] = []
    stop = threading.Event()

    def visitor() -> None:
        while not stop.is_set():
            n = next(numbers)
            attempt = Attempt(start=slots[n % len(slots)], email=f"cut-{n}@example.org",
                              client_ip=client_ip(5000 + n), form_server=servers[n % 3],
                              post_server=servers[(n + 1) % 3])
            attempts.append(attempt)
            if attempt.fetch_form():
                attempt.post()
            stop.wait(0.05)  # a steady stream, not a flood: slots last the whole test

    def booked_since(moment: float) -> int:
        return sum(1 for a in list(attempts) if a.booked and a.began > moment)

    visitors = [threading.Thread(target=visitor) for _ in range(4)]
    for thread in visitors:
        thread.start()
    try:
        began = time.monotonic()
        wait_until(lambda: booked_since(began) >= 5, timeout=30, what="bookings before the cut")
        cut_at = time.monotonic()
        cluster.proxy.cut()
        time.sleep(2)  # the outage itself: shorter than the lease, which outlasts it
        restored_at = time.monotonic()
        cluster.proxy.restore()
        wait_until(lambda: booked_since(restored_at) >= 5, timeout=60,
                   what="bookings after the database came back")
    finally:
        stop.set()
        for thread in visitors:
            thread.join(timeout=60)

    answers = Counter(a.status for a in attempts)
    assert set(answers) <= {303, 409, 429, 503}, (answers, cluster.processes.log_tail())
    during = Counter(a.status for a in attempts
                     if a.began > cut_at + CuttableProxy.DRAIN_SECONDS and a.ended < restored_at)
    assert set(during) == {503}, during

    emails = {a.email for a in attempts}
    booked = cluster.bookings(emails)
    assert {b.visitor_email for b in booked} == {a.email for a in attempts if a.booked}

    cluster.drained()
    assert cluster.mails_to(emails) == Counter(b.visitor_email for b in booked)
    outbox_ids = {m.message_id for m in cluster.outbox_of([b.id for b in booked])}
    ids = cluster.message_ids()
    assert {mid: ids[mid] for mid in outbox_ids} == dict.fromkeys(outbox_ids, 1)


@needs_the_cluster
def test_a_worker_killed_mid_send_leaves_its_message_to_the_other_after_the_lease(cluster):
    hold = cluster.smtp.hold = Hold()
    attempt = Attempt(start=cluster.slots(days_ahead=14, count=1)[0], email="held@example.org",
                      client_ip=client_ip(9000), form_server=cluster.servers[0],
                      post_server=cluster.servers[1])
    assert attempt.fetch_form()
    assert attempt.post().status == 303
    try:
        wait_until(hold.arrived.is_set, timeout=15, what="the message to reach DATA")
        sender = pid_with_connection(hold.peer_port, cluster.smtp_port, cluster.workers)
        assert sender is not None, "no worker owns the SMTP connection"
        os.kill(sender, signal.SIGKILL)
        killed = next(p for p in cluster.processes.started if p.pid == sender)
        killed.wait(timeout=10)
        killed_at = time.monotonic()
    finally:
        hold.released.set()

    wait_until(lambda: cluster.mails_to({attempt.email}), timeout=LEASE_SECONDS + 20,
               what="the other worker to send the message")
    assert time.monotonic() - killed_at > LEASE_SECONDS - 2  # not before the lease ran out
    cluster.drained()
    assert cluster.mails_to({attempt.email}) == Counter({attempt.email: 1})
    assert cluster.message_ids()[hold.message_id] == 1
    [booking] = cluster.bookings({attempt.email})
    [message] = cluster.outbox_of([booking.id])
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)


def test_four_threads_racing_on_one_sqlite_host_book_each_slot_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'booking.sqlite3'}"
    migrate_to_head(url)
    app = create_app(app_config(url, TRUSTED_PROXY_HOPS=1, MAIL_URL=f"file://{tmp_path}/mail",
                                RATELIMIT_STORAGE_URI="memory://"))
    app.test_client_class = IsolatedClient
    with app.app_context():
        seed_practice()
        db.session.remove()
    monday = FIXED_NOW.astimezone(BERLIN).date()
    slots = [datetime.combine(monday + timedelta(days=2), datetime.min.time(), BERLIN)
             .replace(hour=hour).astimezone(UTC) for hour in (9, 10, 11, 12)]
    start_together = threading.Barrier(4, timeout=30)
    answers: list[tuple[str, int]] = []

    def visitor(n: int) -> None:
        client = app.test_client()
        start_together.wait()
        for m, start in enumerate(slots * 2):
            email, ip = f"sqlite-{n}-{m}@example.org", client_ip(20000 + 100 * n + m)
            path = details_path(start)
            page = client.get(path, headers={"X-Forwarded-For": ip})
            assert page.status_code == 200
            # As if each form was opened while its time was free (a form opened for a
            # taken time says so at once and sends no start): the race is in the posts.
            form = {**hidden_inputs(page.get_data(as_text=True)), "name": "Kim Beispiel",
                    "email": email, "mode": "alone", "consent": "y",
                    "start": start.isoformat(), "lost": ""}
            answer = client.post(path, data=form, headers={"X-Forwarded-For": ip})
            answers.append((email, answer.status_code))

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(visitor, range(4)))

    assert Counter(status for _, status in answers) == {303: 4, 409: 28}
    with app.app_context():
        booked = db.session.scalars(select(Booking)).all()
        assert sorted(b.start_utc for b in booked) == slots
        assert {b.visitor_email for b in booked} == {e for e, status in answers if status == 303}
        db.session.remove()
        db.engine.dispose()
