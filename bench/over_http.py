"""Measure what visitors and calendar clients get over HTTP, in one run, against a
bare Flask endpoint served the same way (the limit of the stack on this machine).

Run: .venv/bin/python bench/over_http.py [--postgres URL] [--seconds N] [--out FILE]
[--only WORDS] (or `make bench`); --only runs the bare row and the rows whose name
holds WORDS ("304", "POST"), for working on one path. Needs `wrk` (Debian: `apt-get
install -y wrk`) and a PostgreSQL server (default
postgresql://postgres@127.0.0.1:5432/postgres, or BENCH_POSTGRES_URL): the script
creates its own database, fills it with a fixed clock and seed, serves it with gunicorn
under gunicorn.conf.py on loopback, and drops the database at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import flask_migrate
import psycopg
from sqlalchemy import func, make_url, select

from booking import create_app
from booking.clock import FixedClock
from booking.extensions import db
from booking.models import (
    Booking,
    BookingStatus,
    FeedScope,
    SessionType,
    Therapist,
)
from booking.services import demo, feeds, schedule
from booking.services.team import new_therapist
from booking.transactions import unit_of_work

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from served import NOW  # noqa: E402
from targets import memory_verdict, targets  # noqa: E402
from wrk_output import Row, parse_wrk  # noqa: E402

SECRET = "bench-secret-key"
SEED = 14
BOOKINGS_PER_THERAPIST = 120
FEED_BOOKINGS = 5_000
POST_THERAPISTS = 30  # added just before the POST row, so that every client books a free slot
PAGE_CONNECTIONS = 4
POST_CONNECTIONS = 32
THREADS = 4
TARGETS = targets(POST_CONNECTIONS, THREADS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--seconds", type=int, default=8, help="length of each wrk row")
    parser.add_argument("--out", default=str(BENCH / "results" / "http.txt"))
    parser.add_argument("--only", default="", help="run only the rows whose name holds this")
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit("bench: wrk not found; install it with `apt-get install -y wrk` (Debian/Ubuntu)")
    print(f"load generator: {wrk} ({_first_line([wrk, '-v'])})", flush=True)
    load = _load()
    with throwaway_database(args.postgres) as url, tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=SECRET, BOOKING_ENV="development",
                   BASE_URL="http://127.0.0.1", MAIL_URL=f"file://{scratch}/mail",
                   PYTHONPATH=str(ROOT))
        env.pop("REDIS_URL", None)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                          "CLOCK": FixedClock(NOW)})
        with app.app_context():
            flask_migrate.upgrade()
            demo.seed_demo(NOW)
            paths = fill()
        print("data ready", flush=True)
        bench = Bench(wrk, args.seconds, Path(scratch), args.only)
        with gunicorn("served:bare", env) as base:
            bench.get("bare Flask endpoint", base + "/")
        with gunicorn("served:app", env) as base:
            for name, path in paths["pages"]:
                bench.get(name, base + path)
            feed = base + paths["feed"]
            etag = urllib.request.urlopen(feed, timeout=30).headers["ETag"]
            bench.get("feed 5,000 bookings, full GET", feed)
            bench.get("feed 5,000 bookings, HEAD", feed, method="HEAD")
            bench.get("feed 5,000 bookings, 304", feed, headers={"If-None-Match": etag})
            if bench.wanted("booking POST, 32 clients"):
                with app.app_context():
                    cookie, bodies = booking_posts(base)
                    bench.post("booking POST, 32 clients", base, cookie, bodies)
            memory = worker_memory()
        # The same POSTs to workers that each serve several requests while others wait
        # on the database (gthread), to tell waiting from computing.
        threaded = dict(env, GUNICORN_CMD_ARGS=f"--worker-class gthread --threads {THREADS}")
        name = f"booking POST, 32 clients, gthread x{THREADS}"
        if bench.wanted(name):
            with gunicorn("served:app", threaded) as base, app.app_context():
                cookie, bodies = booking_posts(base, prefix="threaded")
                bench.post(name, base, cookie, bodies)
        with app.app_context():
            db.engine.dispose()
    table = report(bench.rows, memory, args.seconds, load)
    print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table + "\n")
    print(f"written to {out}")


def fill() -> dict:
    """120 confirmed bookings per demo therapist on free slots of the next 60 days, and a
    fourth therapist (no hours, so not on the team page) with a 5,000-booking feed."""
    rng = random.Random(SEED)
    session_type = db.session.scalar(select(SessionType))
    team = db.session.scalars(select(Therapist).order_by(Therapist.id)).all()
    rows = []
    for therapist in team:
        free = schedule.free_slots(therapist, session_type, now=NOW, start=NOW,
                                   end=NOW + timedelta(days=60), holiday_state="")
        for slot in sorted(rng.sample(free, min(BOOKINGS_PER_THERAPIST, len(free))),
                           key=lambda s: s.start):
            rows.append(_booking(therapist.id, session_type.id, slot.start, rng))
    with unit_of_work():
        feeder = new_therapist(email="feed@praxis.example", name="Fee Der", password=None,
                               now=NOW)
    for n in range(FEED_BOOKINGS):
        start = NOW - timedelta(days=30) + timedelta(minutes=70 * n)
        rows.append(_booking(feeder.id, session_type.id, start, rng,
                             cancelled=n % 10 == 0))
    db.session.add_all(rows)
    db.session.commit()
    token = feeds.current_token(therapist_id=feeder.id, scope=FeedScope.THERAPIST,
                                secret_key=SECRET, now=NOW)
    anna = team[0]
    return {
        "pages": [("week picker, one therapist", f"/book/{anna.slug}?tz=Europe%2FBerlin"),
                  ("week picker, first available", "/book/any?tz=Europe%2FBerlin"),
                  ("team page", "/book?tz=Europe%2FBerlin"),
                  ("availability API, 7 days", _availability(anna.slug, days=7)),
                  ("availability API, 28 days", _availability(anna.slug, days=28))],
        "feed": f"/feeds/{token}.ics",
    }


def _availability(slug: str, days: int) -> str:
    """The API's free slots of one therapist from the bench's first day on."""
    first = NOW.date()
    return (f"/api/v1/therapists/{slug}/availability?start={first.isoformat()}"
            f"&end={(first + timedelta(days=days)).isoformat()}&tz=Europe%2FBerlin")


def _booking(therapist_id: int, session_type_id: int, start, rng: random.Random,
             cancelled: bool = False) -> Booking:
    n = rng.randrange(10**9)
    return Booking(
        public_id=uuid.UUID(int=rng.getrandbits(128)).hex[:16],
        ical_uid=f"{uuid.UUID(int=rng.getrandbits(128))}@bench",
        therapist_id=therapist_id, session_type_id=session_type_id, start_utc=start,
        end_utc=start + timedelta(minutes=50), blocked_start_utc=start,
        blocked_end_utc=start + timedelta(minutes=60),
        status=BookingStatus.CANCELLED if cancelled else BookingStatus.CONFIRMED,
        visitor_name=f"Visitor {n}", visitor_email=f"v{n}@example.org",
        visitor_email_key=f"v{n}@example.org", consent_at=NOW,
        manage_token_hash=uuid.UUID(int=rng.getrandbits(128)).hex, sequence=int(cancelled),
        created_at=NOW, updated_at=NOW, confirmed_at=None if cancelled else NOW,
    )


def booking_posts(base: str, prefix: str = "post") -> tuple[str, list[tuple[str, str]]]:
    """(path, form body) of one booking per free slot of 30 new therapists, in a
    shuffled order, all with the same session cookie and CSRF token (as one browser)."""
    rng = random.Random(SEED)
    session_type = db.session.scalar(select(SessionType))
    with unit_of_work():
        added = []
        for n in range(POST_THERAPISTS):
            therapist = new_therapist(email=f"{prefix}{n}@praxis.example",
                                      name=f"{prefix.title()} Bench {n}",
                                      password=None, now=NOW)
            demo._add_weekday_hours(therapist)
            added.append(therapist)
    slots = [(therapist.slug, slot.start) for therapist in added
             for slot in schedule.free_slots(therapist, session_type, now=NOW, start=NOW,
                                             end=NOW + timedelta(days=60), holiday_state="")]
    rng.shuffle(slots)
    first = f"/book/{slots[0][0]}/details?start={urllib.parse.quote(slots[0][1].isoformat())}"
    with urllib.request.urlopen(base + first, timeout=30) as answer:
        cookie = (answer.headers.get("Set-Cookie") or "").split(";")[0]
        page = answer.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    bodies = []
    for n, (slug, start) in enumerate(slots):
        form = {"start": start.isoformat(), "form_key": f"{prefix}-{n}",
                "name": f"Bench Visitor {n}", "email": f"{prefix}{n}@visitors.example",
                "mode": "alone", "consent": "y",
                "tz": "Europe/Berlin", "csrf_token": token.group(1) if token else ""}
        bodies.append((f"/book/{slug}/details", urllib.parse.urlencode(form)))
    return cookie, bodies


class Bench:
    """Runs the rows with wrk and keeps them; the first row run is the bare one."""

    def __init__(self, wrk: str, seconds: int, scratch: Path, only: str = ""):
        self.wrk, self.seconds, self.scratch, self.only = wrk, seconds, scratch, only
        self.rows: list[Row] = []

    def wanted(self, name: str) -> bool:
        return not self.rows or self.only in name

    def get(self, name: str, url: str, *, method: str = "GET",
            headers: dict[str, str] | None = None) -> None:
        if not self.wanted(name):
            return
        script = self.scratch / "get.lua"
        script.write_text(f'wrk.method = "{method}"\n')
        options = [f"-H{key}: {value}" for key, value in (headers or {}).items()]
        self._run(url, options + ["-s", str(script)], connections=PAGE_CONNECTIONS,
                  seconds=1)  # warm-up: workers import, connect, fill their pools
        # A HEAD answer names no length (its body is not built) and ends when the sync
        # worker closes the connection; wrk counts each such answer as a request and
        # also as a read error, so read errors are no errors there.
        self.rows.append(self._run(url, options + ["-s", str(script)],
                                   connections=PAGE_CONNECTIONS, name=name,
                                   read_errors_count=method != "HEAD"))

    def post(self, name: str, base: str, cookie: str, bodies: list[tuple[str, str]]) -> None:
        data = self.scratch / "bodies.txt"
        data.write_text("".join(f"{path}\t{body}\n" for path, body in bodies))
        script = self.scratch / "post.lua"
        script.write_text(POST_LUA.replace("BODIES", str(data)).replace("COOKIE", cookie))
        before = _bookings()
        row = self._run(base + "/", ["-s", str(script)], connections=POST_CONNECTIONS,
                        name=name)
        row.note = f"{_bookings() - before:,} booked"
        self.rows.append(row)

    def _run(self, url: str, options: list[str], *, connections: int, name: str = "",
             seconds: int | None = None, read_errors_count: bool = True) -> Row:
        command = [self.wrk, "-t2", f"-c{connections}", f"-d{seconds or self.seconds}s",
                   "--timeout", "10s", "--latency", *options, url]
        before = cpu_seconds()
        output = subprocess.run(command, capture_output=True, text=True, check=True,
                                timeout=(seconds or self.seconds) + 30).stdout
        after = cpu_seconds()
        row = parse_wrk(name, output, read_errors_count)
        row.cpu = {who: (after[who] - before[who]) * 1000 / max(row.requests, 1)
                   for who in after}
        if name:
            print(f"  {name}: {row.rps:.0f} req/s", flush=True)
        return row


# Each wrk thread takes every other line of BODIES; a thread that has used up its
# share stops, so no slot is posted twice.
POST_LUA = r"""
local lines, threads = {}, 0
for line in io.lines("BODIES") do lines[#lines + 1] = line end
function setup(thread) thread:set("first", threads); threads = threads + 1 end
function init(args) position = first + 1; step = 2 end
function request()
  local line = lines[position]
  if line == nil then wrk.thread:stop(); line = lines[#lines] end
  position = position + step
  local path, body = line:match("^([^\t]*)\t(.*)$")
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "COOKIE"}, body)
end
"""


def _bookings() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Booking.id))) or 0


def cpu_seconds() -> dict[str, float]:
    """CPU time used so far by the web server (master and workers, replaced workers
    included), by PostgreSQL (every server process, ended ones included) and by the
    whole machine: where a row's time goes, and whether the cores were the limit."""
    def times(pid: int | str, children: bool) -> int:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:  # it ended meanwhile
            return 0
        return sum(int(value) for value in fields[11:15 if children else 13])

    master = gunicorn.current.pid  # type: ignore[attr-defined]
    workers = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                             text=True).stdout.split()
    server = times(master, children=True) + sum(times(pid, children=False) for pid in workers)
    database = sum(times(pid, children=True) for pid in subprocess.run(
        ["pgrep", "-x", "postgres"], capture_output=True, text=True).stdout.split())
    with open("/proc/stat") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and waiting for the disk
    tick = os.sysconf("SC_CLK_TCK")
    return {"server": server / tick, "database": database / tick, "machine": busy / tick}


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    server = make_url(server_url).set(drivername="postgresql")
    admin = server.render_as_string(hide_password=False)
    name = f"booking_bench_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def gunicorn(target: str, env: dict[str, str]) -> Iterator[str]:
    """gunicorn with the project's gunicorn.conf.py on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The logs go to a file: a pipe nobody reads would fill up and stop the workers.
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
             "--pythonpath", str(BENCH), "--bind", f"127.0.0.1:{port}", target],
            cwd=ROOT, env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(server, base + ("/healthz" if target.endswith(":app") else "/"),
                                log)
            gunicorn.current = server  # type: ignore[attr-defined]
            yield base
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=40)


def _wait_until_serving(server: subprocess.Popen, url: str, log) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError as error:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(log.read().decode()[-3000:]) from error
            time.sleep(0.2)


def worker_memory() -> str:
    """Resident and proportional memory of each worker of the running server."""
    master = gunicorn.current.pid  # type: ignore[attr-defined]
    children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                              text=True).stdout.split()
    sizes = []
    for pid in children:
        fields = dict(line.split(":", 1) for line in
                      Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
        sizes.append((int(fields["Rss"].split()[0]) / 1024, int(fields["Pss"].split()[0]) / 1024))
    rss = max(size[0] for size in sizes)
    pss = max(size[1] for size in sizes)
    return (f"memory per worker after the run ({len(sizes)} workers): "
            f"RSS ≤ {rss:.0f} MB, PSS ≤ {pss:.0f} MB (target < 120 MB: {memory_verdict(rss)})")


def report(rows: list[Row], memory: str, seconds: int, load: str) -> str:
    bare = rows[0].rps
    cores = os.cpu_count() or 1
    lines = [
        f"HTTP over loopback, {os.cpu_count()} cores, gunicorn.conf.py "
        f"({_workers()}), wrk -t2 {seconds}s per row, {PAGE_CONNECTIONS} connections "
        f"({POST_CONNECTIONS} for POSTs); PostgreSQL; load average before: {load}",
        "CPU µs per request: of the gunicorn workers (web), of PostgreSQL (db), of the "
        "whole machine with wrk and the kernel (all)",
        f"{'row':34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'of bare':>8} {'errors':>7}"
        f" {'web':>6} {'db':>6} {'all':>6}  target: verdict",
    ]
    for row in rows:
        cpu = " ".join(f"{row.cpu.get(who, 0) * 1000:6.0f}"
                       for who in ("server", "database", "machine"))
        lines.append(f"{row.name:34} {row.rps:8.0f} {row.p50_ms:8.1f} {row.p99_ms:8.1f} "
                     f"{row.rps / bare:8.1%} {row.errors:7d} {cpu}  {_judged(row, rows[0], cores)}"
                     + (f"  ({row.note})" if row.note else ""))
    lines.append(memory)
    return "\n".join(lines)


def _judged(row: Row, bare: Row, cores: int) -> str:
    """The row's target and whether it was met, or why not."""
    target = TARGETS.get(row.name)
    return "" if target is None else f"{target}: {target.verdict(row, bare, cores)}"


def _workers() -> str:
    import runpy

    workers = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"]
    return f"{workers} sync workers"


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def _first_line(command: list[str]) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    return (result.stdout or result.stderr).splitlines()[0] if (result.stdout or
                                                                 result.stderr) else "?"


if __name__ == "__main__":
    main()
