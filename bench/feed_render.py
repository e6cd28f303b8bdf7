"""Time a therapist's calendar feed with 5,000 bookings: built from scratch, a full GET
of a body the server kept, and the 304 answer a polling calendar client gets when
nothing changed.

Run: .venv/bin/python bench/feed_render.py [--database URL]  (or `make bench`).
Uses a throw-away SQLite file (or a throw-away PostgreSQL database) and the real
request path through the Flask test client.
"""

from __future__ import annotations

import uuid
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
            build = timed(lambda: feeds.render(found, NOW))
        kept = timed(lambda: client.get(url_path))
        cached = timed(lambda: client.get(url_path, headers={"If-None-Match": etag}))
        print(f"feed with {BOOKINGS:,} bookings ({len(first.data) / 1024:.0f} KiB, "
              f"{first.data.count(b'BEGIN:VEVENT'):,} events), median of {REPEATS}:")
        print(f"  full build:     {build:8.1f} ms")
        print(f"  GET, kept body: {kept:8.1f} ms")
        print(f"  304 answer:     {cached:8.1f} ms")


def therapist_session_type_id() -> int:
    from sqlalchemy import select

    from booking.models import SessionType

    return db.session.scalar(select(SessionType.id))


if __name__ == "__main__":
    main()
