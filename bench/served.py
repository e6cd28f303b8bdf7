"""What bench/over_http.py serves with gunicorn: the booking app on the bench's
database with its clock fixed, and a bare one-route Flask app (the stack's limit).

`gunicorn -c gunicorn.conf.py --pythonpath bench served:app` (or `served:bare`);
DATABASE_URL and SECRET_KEY come from the environment as in production.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from booking import create_app
from booking.clock import FixedClock

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)  # a Monday, 10:00 in Berlin

# Rate limits would answer a load test from one address with 429s; they are off here
# (and measured nowhere else in this run).
app = create_app({"CLOCK": FixedClock(NOW), "RATELIMIT_ENABLED": False})

bare = Flask("bare")


@bare.get("/")
def hello() -> dict[str, str]:
    return {"hello": "world"}
