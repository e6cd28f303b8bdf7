"""Migrations are the only path to the schema: they must build what the models say."""

from datetime import UTC, datetime, timedelta

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, func, insert, inspect, select, text

from booking import create_app
from booking.extensions import db
from tests.conftest import app_config, empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_app(request, tmp_path_factory):
    with empty_database(request.param, tmp_path_factory) as url:
        app = create_app(app_config(url))
        with app.app_context():
            yield app
            db.engine.dispose()


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_the_migrated_schema_matches_the_models(fresh_app):
    flask_migrate.upgrade()
    assert schema_differences() == []


def test_downgrade_to_base_removes_every_table_and_upgrade_rebuilds_them(fresh_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    flask_migrate.upgrade()
    assert schema_differences() == []


@pytest.mark.parametrize("fresh_app", ["postgresql"], indirect=True)
def test_postgresql_gets_the_no_overlap_exclusion_constraint(fresh_app):
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        kind = connection.scalar(
            text("SELECT contype FROM pg_constraint WHERE conname = 'ex_booking_no_overlap'")
        )
    assert kind == "x"


def test_migration_0010_encrypts_the_free_text_already_stored_and_0009_gets_it_back(fresh_app):
    from booking.models import Booking

    flask_migrate.upgrade(revision="0009")  # the last revision that stored plain text
    therapist = _insert("therapist", id=1, slug="anna", email="anna@example.org",
                        role="therapist")
    session_type = _insert("session_type", id=1, slug="erstgespraech", duration_minutes=50)
    start = datetime(2026, 6, 1, 8, tzinfo=UTC)
    _insert("booking", id=1, therapist_id=therapist, session_type_id=session_type,
            public_id="p1", ical_uid="u1@x", manage_token_hash="h1", status="cancelled",
            start_utc=start, blocked_start_utc=start, end_utc=start + timedelta(hours=1),
            blocked_end_utc=start + timedelta(hours=1),
            message="Wir streiten.", private_note="Notiz", cancel_reason="")

    def stored() -> dict:
        with db.engine.connect() as connection:
            return dict(connection.execute(text(
                "SELECT message, private_note, cancel_reason FROM booking")).mappings().one())

    flask_migrate.upgrade(revision="0010")
    assert all(value.startswith("enc:v1:") for value in stored().values())
    flask_migrate.downgrade(revision="0009")
    assert stored() == {"message": "Wir streiten.", "private_note": "Notiz",
                        "cancel_reason": ""}
    flask_migrate.upgrade()
    assert all(value.startswith("enc:v1:") for value in stored().values())
    booking = db.session.scalar(db.select(Booking))
    assert (booking.message, booking.private_note, booking.cancel_reason) == (
        "Wir streiten.", "Notiz", "")
    db.session.remove()


def _insert(table_name: str, **values) -> int:
    """A row with `values` and a plain value in every other required column (for
    data migrations, whose tables are those of an older revision, not the models)."""
    table = Table(table_name, MetaData(), autoload_with=db.engine)
    plain = {"INTEGER": 1, "BOOLEAN": False, "JSON": [],
             "DATETIME": datetime(2026, 6, 1, tzinfo=UTC),
             "TIMESTAMP": datetime(2026, 6, 1, tzinfo=UTC)}
    row = {}
    for column in table.columns:
        if column.primary_key or column.nullable or column.server_default is not None:
            continue
        kind = type(column.type).__name__.upper()
        row[column.name] = next((value for name, value in plain.items() if name in kind), "x")
    with db.engine.begin() as connection:
        connection.execute(insert(table).values({**row, **values}))
        return connection.scalar(select(func.max(table.c.id)))


def test_bookings_made_before_rooms_existed_each_get_a_room_of_their_own(fresh_app):
    flask_migrate.upgrade(revision="0014-1")  # the revision before the rooms
    therapist = _insert("therapist", id=1, slug="anna", email="anna@example.org",
                        role="therapist")
    session_type = _insert("session_type", id=1, slug="erstgespraech", duration_minutes=50)
    for n in (1, 2):
        start = datetime(2026, 6, n + 1, 8, tzinfo=UTC)
        _insert("booking", id=n, therapist_id=therapist, session_type_id=session_type,
                public_id=f"p{n}", ical_uid=f"u{n}@x", manage_token_hash=f"h{n}",
                status="confirmed", start_utc=start, blocked_start_utc=start,
                end_utc=start + timedelta(hours=1), blocked_end_utc=start + timedelta(hours=1))
    flask_migrate.upgrade()
    with db.engine.connect() as connection:
        rooms = connection.scalars(text("SELECT meeting_room FROM booking")).all()
    assert len(set(rooms)) == 2 and all(len(room) >= 22 for room in rooms)
