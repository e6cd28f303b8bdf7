"""Time the admin's "which articles bring bookings" page with 20,000 bookings over a
year from 40 article sources: the report itself, the whole page, and the CSV.

Run: .venv/bin/python bench/report.py [--database URL]  (or `make bench`).
Uses a throw-away SQLite file (or a throw-away PostgreSQL database) and the real
request path through the Flask test client, signed in as the demo admin.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from common import REPEATS, demo_app, timed
from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, BookingStatus, SessionType
from booking.services import demo, reports

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
BOOKINGS = 20_000
SOURCES = [f"artikel-{n}" for n in range(40)] + [""]


def fill(therapist_id: int, session_type_id: int) -> None:
    """Bookings made over the last year, two in three of them confirmed."""
    rng = random.Random(7)
    rows = []
    for n in range(BOOKINGS):
        made = NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))
        start = made + timedelta(days=3)
        confirmed = n % 3 != 0
        rows.append(Booking(
            public_id=uuid.uuid4().hex[:16], ical_uid=f"{uuid.uuid4()}@bench",
            therapist_id=therapist_id, session_type_id=session_type_id, start_utc=start,
            end_utc=start + timedelta(minutes=50), blocked_start_utc=start,
            blocked_end_utc=start + timedelta(minutes=60),
            status=BookingStatus.CONFIRMED if confirmed else BookingStatus.EXPIRED,
            visitor_name=f"Visitor {n}", visitor_email=f"v{n}@example.org",
            visitor_email_key=f"v{n}@example.org", consent_at=made,
            manage_token_hash=uuid.uuid4().hex, sequence=0, cta_source=rng.choice(SOURCES),
            created_at=made, updated_at=made, confirmed_at=made if confirmed else None,
        ))
    db.session.add_all(rows)
    db.session.commit()


def signed_in(app):
    client = app.test_client()
    page = client.get("/workspace/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/workspace/sign-in", data={"csrf_token": token, "email": demo.DEMO_LOGIN,
                                            "password": demo.DEMO_PASSWORD})
    return client


def main() -> None:
    with demo_app(__doc__.splitlines()[0], NOW, RATELIMIT_ENABLED=False) as app:
        with app.app_context():
            fill(demo.demo_therapist().id, db.session.scalar(select(SessionType.id)))
            months = reports.last_months(NOW.date(), 12)
            zone = ZoneInfo("Europe/Berlin")
            query = timed(lambda: reports.cta_report(months=months, zone=zone))
        client = signed_in(app)
        assert client.get("/workspace/admin/reports").status_code == 200
        page = timed(lambda: client.get("/workspace/admin/reports"))
        export = timed(lambda: client.get("/workspace/admin/reports.csv"))
        print(f"report over {BOOKINGS:,} bookings, 12 months, {len(SOURCES)} sources, "
              f"median of {REPEATS}:")
        print(f"  cta_report:   {query:8.1f} ms")
        print(f"  page (SVG):   {page:8.1f} ms")
        print(f"  CSV export:   {export:8.1f} ms")


if __name__ == "__main__":
    main()
