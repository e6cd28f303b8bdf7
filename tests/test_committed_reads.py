"""The reads of cache keys: what a session would read, on a connection of their own,
and still answered after the database server dropped that connection."""

from __future__ import annotations

import pytest
from sqlalchemy import column, select, table, text
from sqlalchemy.exc import DBAPIError

from booking import committed_reads
from booking.extensions import db
from booking.models import FeedScope
from booking.services import feeds, schedule
from booking.tokens import token_hash
from tests.conftest import FIXED_NOW


def _feed_token(therapist) -> str:
    return feeds.current_token(therapist_id=therapist.id, scope=FeedScope.THERAPIST,
                               secret_key="test-secret-key", now=FIXED_NOW)


def test_a_row_carries_the_columns_converted_as_the_session_converts_them(
        app, make_therapist):
    token = _feed_token(make_therapist())
    parameters = {"token_hash": token_hash(token)}

    row = committed_reads.first_row(feeds._ADDRESS, parameters)
    expected = db.session.execute(feeds._ADDRESS, parameters).one()

    assert tuple(row) == tuple(expected)
    assert row.scope is FeedScope.THERAPIST  # the enum, not its stored name
    assert row.created_at.utcoffset() is not None  # aware, in UTC, as stored
    assert committed_reads.first_row(feeds._ADDRESS, {"token_hash": "no such hash"}) is None


def test_a_read_sees_what_another_transaction_committed_a_moment_ago(app, make_therapist):
    before = schedule.version()
    make_therapist()  # committed through the session, as another host would
    assert schedule.version() != before


def test_a_connection_the_server_dropped_is_replaced_without_failing_the_read(
        app, make_therapist, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite reads through the session: it has no server to drop anything")
    make_therapist()
    expected = schedule.version()
    # Every other connection to this database goes, the reader's pooled one included.
    db.session.execute(text(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    db.session.commit()

    assert schedule.version() == expected


def test_a_failed_read_raises_what_the_error_pages_know(app):
    missing = select(column("x")).select_from(table("no_such_table"))
    with pytest.raises(DBAPIError):
        committed_reads.first_row(missing)
    db.session.rollback()  # SQLite read it in the session's transaction
