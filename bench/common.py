"""What the benchmarks share: a throw-away app with the demo team, and timing."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import flask_migrate
from flask import Flask

from booking import create_app
from booking.clock import FixedClock
from booking.extensions import db
from booking.services import demo

REPEATS = 7


@contextmanager
def demo_app(description: str, now: datetime, **config) -> Iterator[Flask]:
    """An app on a throw-away SQLite file (or the empty database of --database),
    migrated and seeded with the demo team, its clock fixed at `now`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", help="a SQLAlchemy URL of an empty database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "CLOCK": FixedClock(now), **config})
        with app.app_context():
            flask_migrate.upgrade()
            demo.seed_demo(now)
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


def timed(call: Callable[[], object], repeats: int = REPEATS) -> float:
    """The median wall time of `call`, in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
