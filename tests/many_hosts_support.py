"""What the many-hosts test drives: real processes, a database link it can cut, an SMTP
server that can hold a message, and a visitor who books over plain HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import email
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from datetime import time as clock_time
from email import policy as email_policy
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote, urlencode

from aiosmtpd.smtp import Envelope, Session

from booking.extensions import db
from booking.models import BookingRules, SessionType, Therapist, WorkingHours
from tests.conftest import FIXED_NOW
from tests.smtp import RecordingHandler
from tests.web.forms import hidden_inputs

# Every day of the week, 07:00–21:00 in Berlin: whatever today is, the days ahead
# have hourly slots to race for.
OPEN_HOURS = (clock_time(7, 0), clock_time(21, 0))
JUST_TAKEN = "Dieser Termin wurde gerade vergeben."


def wait_until(condition: Callable[[], object], *, timeout: float, what: str,
               every: float = 0.05) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(every)


def seed_practice(*, slug: str = "anna") -> None:
    """One therapist, bookable every day 07:00–21:00 (hourly slots of 50 minutes, no
    notice, no buffers), and the free first consultation. Needs an app context."""
    therapist = Therapist(slug=slug, display_name="Anna Berger", email="anna@praxis.example",
                          timezone="Europe/Berlin", languages=["de"], created_at=FIXED_NOW,
                          password_hash="")
    therapist.rules = BookingRules(buffer_before_minutes=0, buffer_after_minutes=0,
                                   minimum_notice_minutes=0, horizon_days=60,
                                   slot_step_minutes=60, daily_cap=None, meeting_url="")
    for weekday in range(7):
        therapist.working_hours.append(
            WorkingHours(weekday=weekday, start_time=OPEN_HOURS[0], end_time=OPEN_HOURS[1]))
    db.session.add(therapist)
    db.session.add(SessionType(slug="erstgespraech", name_de="Kostenfreies Erstgespräch",
                               name_en="Free first consultation", duration_minutes=50,
                               is_free=True, active=True))
    db.session.commit()


# --- a visitor over HTTP ------------------------------------------------------------


@dataclass
class Answer:
    status: int | None  # None: no HTTP answer at all (connection refused or reset)
    location: str = ""
    text: str = ""
    cookie: str = ""


def request(base_url: str, method: str, path: str, *, form: dict[str, str] | None = None,
            client_ip: str, cookie: str = "", timeout: float = 60) -> Answer:
    """One request on its own connection, as from `client_ip` behind one proxy."""
    host, port = base_url.removeprefix("http://").split(":")
    connection = HTTPConnection(host, int(port), timeout=timeout)
    headers = {"X-Forwarded-For": client_ip, "Connection": "close"}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
    except OSError:
        return Answer(None)
    finally:
        connection.close()
    set_cookie = response.getheader("Set-Cookie") or ""
    return Answer(response.status, response.getheader("Location") or "", text,
                  set_cookie.split(";", 1)[0])


def details_path(start: datetime, slug: str = "anna") -> str:
    return f"/book/{slug}/details?start={quote(start.isoformat())}"


@dataclass
class Attempt:
    """One visitor's booking: the form fetched from one server, posted to another."""

    start: datetime
    email: str
    client_ip: str
    form_server: str
    post_server: str
    form: dict[str, str] = field(default_factory=dict)
    cookie: str = ""
    answer: Answer | None = None  # the POST's, or the GET's when that failed
    began: float = 0.0
    ended: float = 0.0

    def fetch_form(self) -> bool:
        self.began = time.monotonic()
        got = request(self.form_server, "GET", details_path(self.start),
                      client_ip=self.client_ip)
        if got.status != 200:
            self.answer, self.ended = got, time.monotonic()
            return False
        self.form, self.cookie = hidden_inputs(got.text), got.cookie
        return True

    def post(self) -> Answer:
        # As a form opened while its time was free posts it (one opened for a time
        # taken meanwhile says so at once and sends no start): the race is in the posts.
        data = {**self.form, "name": "Kim Beispiel", "email": self.email, "mode": "alone",
                "consent": "y", "start": self.start.isoformat(), "lost": ""}
        self.answer = request(self.post_server, "POST", details_path(self.start), form=data,
                              client_ip=self.client_ip, cookie=self.cookie)
        self.ended = time.monotonic()
        return self.answer

    @property
    def status(self) -> int | None:
        return self.answer.status if self.answer else None

    @property
    def booked(self) -> bool:
        """The answer a visitor reads as "requested": 303 to the check-your-mail page."""
        return self.status == 303 and "/book/requested" in self.answer.location


# --- processes ----------------------------------------------------------------------


class Processes:
    """Processes the test starts, each in its own process group, and stops by pid."""

    def __init__(self, logs: Path):
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path
              ) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()  # the child has its own copy
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            stop(process)

    def log_tail(self, lines: int = 40) -> str:
        """The end of every process's log without its routine lines: tracebacks and
        warnings, for a failure's message (the service logs no personal data)."""
        tails = []
        for path in sorted(self.logs.glob("*.log")):
            unusual = [line for line in path.read_text(errors="replace").splitlines()
                       if '"level": "INFO"' not in line and not line.startswith("[")]
            tails.append(f"--- {path.name}\n" + "\n".join(unusual[-lines:]))
        return "\n".join(tails)


def stop(process: subprocess.Popen) -> None:
    """Terminate, wait a little, then kill: the process and whatever it forked (its group)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    # A gunicorn master that is gone may leave a worker behind for a moment.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def pid_with_connection(local_port: int, remote_port: int, candidates: list[int]) -> int | None:
    """Which of `candidates` owns the loopback TCP connection local_port -> remote_port."""
    wanted = f":{local_port:04X}", f":{remote_port:04X}"
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[1].endswith(wanted[0]) and fields[2].endswith(wanted[1]):
                    inodes.add(f"socket:[{fields[9]}]")
    for pid in candidates:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") in inodes:
                        return pid
    return None


# --- a database link the test can cut ------------------------------------------------


class CuttableProxy:
    """A TCP proxy on loopback in front of PostgreSQL. `cut()` drops every open
    connection and every new one until `restore()`; the database itself runs on."""

    # On a cut, replies already on their way are let through for this long before the
    # connections close: a COMMIT that reached the server is answered, as it would be
    # by a link that fails between two statements. (A reply lost in the wire would make
    # the outcome of that one commit unknowable to anyone, the service included.)
    DRAIN_SECONDS = 0.2

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.is_cut = False
        self.closing = False
        self.lock = threading.Lock()
        self.open: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="pg-proxy", daemon=True).start()

    def _accept(self) -> None:
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.is_cut:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.open.update((client, server))
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, to_server: bool) -> None:
        try:
            while data := source.recv(65536):
                if to_server and self.is_cut:
                    break  # nothing more reaches the database
                target.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, target)

    def _close(self, *sockets: socket.socket) -> None:
        with self.lock:
            for sock in sockets:
                self.open.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def cut(self) -> None:
        self.is_cut = True
        time.sleep(self.DRAIN_SECONDS)
        with self.lock:
            sockets = list(self.open)
        self._close(*sockets)

    def restore(self) -> None:
        self.is_cut = False

    def close(self) -> None:
        self.closing = True
        self.listener.close()
        with self.lock:
            sockets = list(self.open)
        self._close(*sockets)


# --- an SMTP server that can hold one message ----------------------------------------


@dataclass
class Hold:
    """The next message stops in DATA until `released`; it is then refused (its sender
    is gone by then), so it counts as not delivered."""

    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    peer_port: int = 0
    message_id: str = ""


@dataclass
class HoldingHandler(RecordingHandler):
    hold: Hold | None = None

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:
        hold, self.hold = self.hold, None
        if hold is None:
            return await super().handle_DATA(server, session, envelope)
        hold.peer_port = session.peer[1]
        hold.message_id = message_id(envelope.original_content)
        hold.arrived.set()
        deadline = time.monotonic() + 60
        while not hold.released.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return "451 4.3.0 Not delivered, try again"

    def mails(self) -> list[tuple[str, str]]:
        """(recipient, Message-ID) of every message accepted so far."""
        return [(to, message_id(received.content)) for received in list(self.received)
                for to in received.rcpt_tos]


def message_id(content: bytes) -> str:
    headers = email.message_from_bytes(content, policy=email_policy.default)
    return str(headers["Message-ID"])


@contextlib.contextmanager
def running(*stoppers: Callable[[], None]) -> Iterator[None]:
    """Run the stoppers on the way out, each even when another one fails."""
    try:
        yield
    finally:
        errors = []
        for stopper in stoppers:
            try:
                stopper()
            except Exception as error:  # noqa: BLE001 — stop the rest first
                errors.append(error)
        if errors:
            raise errors[0]
