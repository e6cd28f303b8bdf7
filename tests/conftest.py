"""Fixtures: an app on a migrated database (SQLite always, PostgreSQL when
BOOKING_TEST_POSTGRES_URL is set), a fixed clock, and factories."""

from __future__ import annotations

import contextlib
import contextvars
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, time

import flask_migrate
import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy import make_url

from booking import create_app
from booking.clock import FixedClock
from booking.extensions import db
from booking.models import Booking, BookingRules, SessionType, Therapist, WorkingHours
from booking.services import bookings, practice
from booking.services.bookings import Policy, Visitor
from booking.tokens import manage_token
from tests.catalogues import compile_catalogues
from tests.smtp import LoopbackController, RecordingHandler
from tests.support import WEDNESDAY_9, policy_of

POSTGRES_URL = os.environ.get("BOOKING_TEST_POSTGRES_URL")
POSTGRES_SKIP_REASON = (
    "PostgreSQL tests are off: set BOOKING_TEST_POSTGRES_URL to a server URL, e.g. "
    "postgresql://postgres@127.0.0.1:5432/postgres (the suite creates and drops its own database)"
)
# A Monday, 10:00 in Berlin (summer time): the clock every test starts from.
FIXED_NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
# The tests' DATA_KEY (base64 of 32 bytes): passed in, so no test writes one into instance/.
TEST_DATA_KEY = "dGVzdC1kYXRhLWtleS10ZXN0LWRhdGEta2V5LTMyYnk="
LUNCH_GAP_HOURS = ((time(9, 0), time(12, 30)), (time(13, 30), time(17, 0)))


def pytest_configure(config: pytest.Config) -> None:
    compile_catalogues()  # a plain `pytest` in a fresh clone works as `make test` does


def app_config(database_url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "DATA_KEY": TEST_DATA_KEY,
        "CLOCK": FixedClock(FIXED_NOW),
        **extra,
    }


def migrate_to_head(database_url: str) -> None:
    app = create_app(app_config(database_url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for the length of the block."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: " + POSTGRES_SKIP_REASON)
        pytest.skip(POSTGRES_SKIP_REASON)
    server = make_url(POSTGRES_URL).set(drivername="postgresql")
    name = f"booking_test_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def sqlite_database(directory) -> Iterator[str]:
    yield f"sqlite:///{directory / f'booking-{uuid.uuid4().hex[:8]}.sqlite3'}"


@contextlib.contextmanager
def empty_database(kind: str, tmp_path_factory) -> Iterator[str]:
    if kind == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        with sqlite_database(tmp_path_factory.mktemp("db")) as url:
            yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A database migrated to head, shared by the tests of one kind."""
    with empty_database(request.param, tmp_path_factory) as url:
        migrate_to_head(url)
        yield url


@pytest.fixture
def app(database_url):
    app = create_app(app_config(database_url))
    with app.app_context():
        yield app
        db.session.remove()
        _wipe()
        db.engine.dispose()


def _wipe() -> None:
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                connection.exec_driver_sql(f"DELETE FROM {table}")


@pytest.fixture
def clock(app) -> FixedClock:
    return app.extensions["booking.clock"]


class IsolatedClient(FlaskClient):
    """Sends each request from an empty context, as a server would: the request
    gets its own app context, database session and `g`, not the test's."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def first_session(app) -> SessionType:
    session_type = SessionType(
        slug="erstgespraech", name_de="Kostenfreies Erstgespräch",
        name_en="Free first consultation", duration_minutes=50, is_free=True, active=True,
    )
    db.session.add(session_type)
    db.session.commit()
    return session_type


@pytest.fixture
def make_therapist(app):
    """Make a therapist with weekday hours 09:00–12:30 and 13:30–17:00 and no
    notice, buffers or cap unless told otherwise."""
    counter = iter(range(1, 1000))

    def make(*, timezone: str = "Europe/Berlin", hours=LUNCH_GAP_HOURS,
             weekdays=range(5), languages=("de",), **rules) -> Therapist:
        n = next(counter)
        therapist = Therapist(
            slug=f"therapist-{n}", display_name=f"Therapist {n}", email=f"t{n}@praxis.example",
            timezone=timezone, languages=list(languages), created_at=FIXED_NOW,
            password_hash="",
        )
        therapist.rules = BookingRules(**{
            "buffer_before_minutes": 0, "buffer_after_minutes": 0, "minimum_notice_minutes": 0,
            "horizon_days": 60, "slot_step_minutes": 60, "daily_cap": None, "meeting_url": "",
            **rules,
        })
        for weekday in weekdays:
            for start, end in hours:
                therapist.working_hours.append(
                    WorkingHours(weekday=weekday, start_time=start, end_time=end)
                )
        db.session.add(therapist)
        db.session.commit()
        return therapist

    return make


@pytest.fixture
def policy(app) -> Policy:
    """The booking policy the test app runs with (its SECRET_KEY signs the manage links)."""
    return policy_of(app)


@pytest.fixture
def token_of(policy) -> Callable[[Booking], str]:
    """The manage-link token of a booking, as its mails carry it."""
    return lambda booking: manage_token(policy.link_secret, booking.public_id)


@pytest.fixture
def make_booking(request, policy, token_of, make_therapist, clock):
    """Book through the booking service as a visitor would: by default a new therapist's
    free first consultation (`first_session`) on WEDNESDAY_9, at the clock's now, by
    Kim Beispiel <kim@example.org>. Keyword arguments other than those named are fields
    of the Visitor; `confirmed=True` also confirms it from the manage link."""

    def make(therapist: Therapist | None = None, *, session_type: SessionType | None = None,
             start: datetime = WEDNESDAY_9, now: datetime | None = None,
             confirmed: bool = False, idempotency_key: str | None = None,
             **visitor) -> Booking:
        therapist = therapist or make_therapist()
        session_type = session_type or request.getfixturevalue("first_session")
        now = clock.now() if now is None else now
        booking = bookings.book_slot(
            therapist_id=therapist.id, session_type_id=session_type.id, start=start,
            visitor=Visitor(**{"name": "Kim Beispiel", "email": "kim@example.org", **visitor}),
            now=now, policy=policy, idempotency_key=idempotency_key)
        if confirmed:
            bookings.confirm_booking(token_of(booking), now=now, policy=policy)
        return booking

    return make


@pytest.fixture
def set_practice_meeting_link(app) -> Callable[[str], None]:
    """Set the practice's default meeting-link template through the practice's service,
    as the admin's page does (its other details as they stand)."""

    def set_default(template: str) -> None:
        defaults = practice.PracticeDetails.from_config(app.config)
        practice.save_details(replace(practice.details(defaults), meeting_url=template),
                              defaults=defaults, now=FIXED_NOW)

    return set_default


@pytest.fixture
def start_server() -> Iterator[Callable[..., tuple[RecordingHandler, int]]]:
    """Starts an SMTP server on 127.0.0.1; every one is stopped after the test."""
    controllers: list[LoopbackController] = []

    def start(handler: RecordingHandler | None = None, **options) -> tuple[RecordingHandler, int]:
        handler = handler or RecordingHandler()
        controller = LoopbackController(handler, hostname="127.0.0.1", port=0, **options)
        controller.start()
        controllers.append(controller)
        return handler, controller.port

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp(app, start_server) -> RecordingHandler:
    """An SMTP server on 127.0.0.1 that the app's mail goes to."""
    handler, port = start_server()
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{port}"
    return handler
