"""Migrations are the only path to the schema: they must build what the models say."""

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

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
