"""Time a therapist's calendar feed with 5,000 bookings: built from scratch, a full GET
of a body the server kept, and the 304 answer a polling calendar client gets when
nothing changed.

Run: .venv/bin/python bench/feed_render.py [--database URL]  (or `make bench`).
Uses a throw-away SQLite file (or a throw-away PostgreSQL database) and the real
request path through the Flask test client.

The build is given in CPU time of this process as well as in wall time: on cores
shared with other work, wall time moves with their load and CPU time much less.
(On PostgreSQL the server's own work is not in this process's CPU time.)
"""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from common import REPEATS, demo_app, timed

from booking.extensions import db
from booking.models import Booking, BookingStatus, FeedScope
from booking.services import demo, feeds

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
BOOKINGS = 5_000


def fill(therapist_id: int, session_type_id: int) -> None:
    """5,000 bookings spread from 30 days back to ten months ahead, a few cancelled."""
    rows = []
    for n in range(BOOKINGS):
        start = NOW - timedelta(days=30) + timedelta(minutes=70 * n)
        rows.append(Booking(
            public_id=uuid.uuid4().hex[:16], ical_uid=f"{uuid.uuid4()}@bench",
            therapist_id=therapist_id, session_type_id=session_type_id, start_utc=start,
            end_utc=start + timedelta(minutes=50), blocked_start_utc=start,
            blocked_end_utc=start + timedelta(minutes=60),
            status=BookingStatus.CANCELLED if n % 10 == 0 else BookingStatus.CONFIRMED,
            visitor_name=f"Visitor {n}", visitor_email=f"v{n}@example.org",
            visitor_email_key=f"v{n}@example.org", consent_at=NOW,
            manage_token_hash=uuid.uuid4().hex, sequence=1 if n % 10 == 0 else 0,
            created_at=NOW, updated_at=NOW,
        ))
    db.session.add_all(rows)
    db.session.commit()


def main() -> None:
    with demo_app(__doc__.splitlines()[0], NOW) as app:
        with app.app_context():
            therapist = demo.demo_therapist()
            fill(therapist.id, therapist_session_type_id())
            token = feeds.current_token(therapist_id=therapist.id, scope=FeedScope.THERAPIST,
                                        secret_key="bench", now=NOW)
        client = app.test_client()
        url_path = f"/feeds/{token}.ics"
        first = client.get(url_path)
        etag = first.headers["ETag"]
        with app.app_context():  # the build itself: the server keeps what it built
            found = feeds.find(token)
            build_cpu, build = cpu_and_wall(lambda: feeds.render(found, NOW))
        kept = timed(lambda: client.get(url_path))
        cached = timed(lambda: client.get(url_path, headers={"If-None-Match": etag}))
        load = " ".join(f"{figure:.2f}" for figure in os.getloadavg())
        print(f"feed with {BOOKINGS:,} bookings ({len(first.data) / 1024:.0f} KiB, "
              f"{first.data.count(b'BEGIN:VEVENT'):,} events), median of {REPEATS}, "
              f"load average {load}:")
        print(f"  full build:     {build:8.1f} ms  ({build_cpu:.1f} ms CPU)")
        print(f"  GET, kept body: {kept:8.1f} ms")
        print(f"  304 answer:     {cached:8.1f} ms")


def cpu_and_wall(call: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """The median CPU time of this process and the median wall time of `call`, in ms."""
    cpu, wall = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    return statistics.median(cpu), statistics.median(wall)


def therapist_session_type_id() -> int:
    from sqlalchemy import select

    from booking.models import SessionType

    return db.session.scalar(select(SessionType.id))


if __name__ == "__main__":
    main()
