"""Small helpers that make tests read like the schedule they describe."""

import threading
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from booking.services.bookings import Policy

BERLIN = ZoneInfo("Europe/Berlin")

# A test of what only PostgreSQL does (its constraints, isolation, server-side drops):
# it runs against PostgreSQL only, instead of being skipped on SQLite.
postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def berlin(day: str, hh_mm: str) -> datetime:
    """The instant of a Berlin wall time, e.g. berlin("2026-06-02", "09:00")."""
    return datetime.fromisoformat(f"{day}T{hh_mm}").replace(tzinfo=BERLIN)


# More than a day ahead of the fixed clock, so online changes are still open.
WEDNESDAY_9 = berlin("2026-06-03", "09:00")


def policy_of(app: Flask) -> Policy:
    """The booking policy `app` runs with: the one way tests get a Policy, so that
    links they sign are the links the app accepts."""
    from booking.settings import settings_of

    return settings_of(app).policy


def reconfigure(app, **config) -> None:
    """Change settings of a running test app as a restart with them would: the settings
    objects are built once, from the config, so they are built again."""
    from booking import settings

    app.config.update(config)
    settings.init_app(app)


def at_once(*calls: Callable[[], object]) -> None:
    """Run every call in a thread of its own, all started before any is awaited: the
    races the locks and constraints are for."""
    threads = [threading.Thread(target=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
