"""What one booking from the visitor's form costs, in-process: statements sent to the
database, CPU time of this Python process and of the PostgreSQL backends serving it,
per POST (issue #14). CPU time, not wall time: the development machine's two cores are
shared, and CPU time moves far less with the load than wall time does.

Run: .venv/bin/python bench/booking_post.py [--postgres URL] [--posts N]
It creates a throw-away PostgreSQL database (default BENCH_POSTGRES_URL or the local
server), seeds the demo team and five more therapists, sends 20 warm-up POSTs through
the Flask test client and then N more (each a free slot, its own form key and address),
and drops the database. bench/over_http.py measures the same POST over HTTP under load.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
import urllib.parse
from datetime import timedelta

import flask_migrate
from over_http import throwaway_database
from served import NOW
from sqlalchemy import event, select, text

from booking import create_app
from booking.clock import FixedClock
from booking.extensions import db
from booking.models import SessionType
from booking.services import demo, schedule
from booking.services.team import new_therapist
from booking.transactions import unit_of_work

WARM_UP = 20


def backend_cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes (PostgreSQL backends on this host)."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--posts", type=int, default=300)
    args = parser.parse_args()
    with throwaway_database(args.postgres) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "CLOCK": FixedClock(NOW), "RATELIMIT_ENABLED": False})
        with app.app_context():
            flask_migrate.upgrade()
            demo.seed_demo(NOW)
            session_type = db.session.scalar(select(SessionType))
            with unit_of_work():
                added = []
                for n in range(5):
                    therapist = new_therapist(email=f"p{n}@praxis.example", name=f"P B {n}",
                                              password=None, now=NOW)
                    demo._add_weekday_hours(therapist)
                    added.append(therapist)
            slots = [(t.slug, s.start) for t in added for s in schedule.free_slots(
                t, session_type, now=NOW, start=NOW, end=NOW + timedelta(days=60),
                holiday_state="")]
            engine = db.engine
        random.Random(1).shuffle(slots)
        needed = WARM_UP + args.posts
        if len(slots) < needed:
            raise SystemExit(f"only {len(slots)} free slots for {needed} posts")
        client = app.test_client()
        first = f"/book/{slots[0][0]}/details?start={urllib.parse.quote(slots[0][1].isoformat())}"
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get(first).get_data(as_text=True))
        assert found is not None, "no form token on the form page"

        def post(n: int) -> None:
            slug, start = slots[n]
            answer = client.post(f"/book/{slug}/details", data={
                "start": start.isoformat(), "form_key": f"k-{n}", "name": f"Visitor {n}",
                "email": f"p{n}@visitors.example", "mode": "alone", "consent": "y",
                "tz": "Europe/Berlin", "csrf_token": found.group(1)})
            assert answer.status_code == 303, answer.status_code

        for n in range(WARM_UP):
            post(n)
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_: statements.append(statement))
        with engine.connect() as connection:  # the pool's connections serve the posts
            backends = list(connection.scalars(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")))
        server_before, python_before = backend_cpu_seconds(backends), time.process_time()
        for n in range(WARM_UP, needed):
            post(n)
        python = time.process_time() - python_before
        server = backend_cpu_seconds(backends) - server_before
        with app.app_context():
            db.engine.dispose()
    posts = args.posts
    print(f"booking POST through the test client, PostgreSQL, {posts} posts after "
          f"{WARM_UP} to warm up")
    print(f"statements per POST: {len(statements) / posts:.1f} (without BEGIN, COMMIT, "
          "ROLLBACK and pool pings)")
    print(f"CPU per POST: Python {python / posts * 1000:.2f} ms, "
          f"PostgreSQL {server / posts * 1000:.2f} ms")


if __name__ == "__main__":
    main()
