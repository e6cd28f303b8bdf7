"""Free text encrypted at rest, on SQLite and PostgreSQL: what a dump shows, rotating
the key, and a wrong key."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from booking import create_app
from booking.encryption import DataKeyError, encrypted_columns, new_key
from booking.extensions import db
from booking.models import Booking
from booking.services import bookings, data_keys
from tests.conftest import FIXED_NOW, TEST_DATA_KEY, IsolatedClient, app_config

MESSAGE = "Wir streiten seit Monaten über Geld."
NOTE = "Erstkontakt ruhig, Thema Trennung."
REASON = "Ich bin leider krank."
SECRETS = (MESSAGE, NOTE, REASON)


@pytest.fixture
def written(make_booking):
    """A booking with a message, a private note and a cancellation reason."""
    booking = make_booking(message=MESSAGE, confirmed=True)
    bookings.save_private_note(booking.id, therapist_id=booking.therapist_id, note=NOTE,
                               now=FIXED_NOW)
    bookings.cancel_by_therapist(booking.id, therapist_id=booking.therapist_id,
                                 message=REASON, now=FIXED_NOW)
    db.session.expire_all()
    return booking


def raw_row(booking_id: int) -> dict:
    """The row as a dump shows it: a plain SQL select, no column types."""
    with db.engine.connect() as connection:
        return dict(connection.execute(
            text("SELECT * FROM booking WHERE id = :id"), {"id": booking_id}).mappings().one())


@pytest.fixture
def host_with(database_url):
    """Another instance of the service on the same database, with other keys."""
    apps = []

    def make(**keys):
        other = create_app(app_config(database_url, **keys))
        other.test_client_class = IsolatedClient
        apps.append(other)
        return other

    yield make
    for other in apps:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_every_encrypted_column_names_itself_for_its_associated_data():
    columns = {f"{column.table.name}.{column.name}": column.type.column
               for column in encrypted_columns(db.metadata)}
    assert set(columns) >= {"booking.message", "booking.private_note", "booking.cancel_reason"}
    assert all(name == label for name, label in columns.items())


def test_a_database_dump_holds_no_message_note_or_reason_text(app, written):
    row = raw_row(written.id)
    dump = repr(row)
    for secret in (*SECRETS, "streiten", "Trennung", "krank"):
        assert secret not in dump
    for column in ("message", "private_note", "cancel_reason"):
        assert row[column].startswith("enc:v1:")
    booking = db.session.get(Booking, written.id)
    assert (booking.message, booking.private_note, booking.cancel_reason) == (
        MESSAGE, NOTE, REASON)


def test_rotation_re_encrypts_every_value_so_the_old_key_is_no_longer_needed(
        app, written, host_with):
    before = raw_row(written.id)
    fresh = new_key()
    rotating = host_with(DATA_KEY=fresh, DATA_KEY_PREVIOUS=TEST_DATA_KEY)
    with rotating.app_context():
        assert data_keys.missing_key_ids() == []
        assert db.session.get(Booking, written.id).message == MESSAGE  # read with the old
        assert data_keys.rotate_data_key() == 3
        assert data_keys.rotate_data_key() == 0  # nothing left for the old key
        db.session.remove()
    after = raw_row(written.id)
    for column in ("message", "private_note", "cancel_reason"):
        assert after[column] != before[column]
    with host_with(DATA_KEY=fresh).app_context():  # the old key is gone
        assert data_keys.missing_key_ids() == []
        booking = db.session.get(Booking, written.id)
        assert (booking.message, booking.private_note, booking.cancel_reason) == (
            MESSAGE, NOTE, REASON)
    with host_with(DATA_KEY=TEST_DATA_KEY).app_context():  # and cannot read any more
        assert data_keys.missing_key_ids() != []


def test_a_wrong_key_is_a_clear_error_naming_data_key_not_garbage(app, written, host_with):
    booking_id = written.id
    wrong = host_with(DATA_KEY=new_key())
    with wrong.app_context():
        with pytest.raises(DataKeyError, match="DATA_KEY"):
            data_keys.check_data_key()
        with pytest.raises(DataKeyError, match="booking.message .*DATA_KEY"):
            db.session.scalar(select(Booking.message).where(Booking.id == booking_id))
        db.session.rollback()
        with pytest.raises(DataKeyError, match="DATA_KEY"):
            data_keys.rotate_data_key()
    response = wrong.test_client().get("/readyz")
    assert response.status_code == 503
    assert "DATA_KEY" in response.get_json()["error"]
    assert raw_row(booking_id)["message"].startswith("enc:v1:")  # nothing was rewritten


def test_a_tampered_value_is_a_clear_error(app, written):
    booking_id = written.id
    db.session.remove()  # the test's read transaction would not see the change
    stored = raw_row(booking_id)["private_note"]
    flipped = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE booking SET private_note = :v WHERE id = :id"),
                           {"v": flipped, "id": booking_id})
    with pytest.raises(DataKeyError, match="booking.private_note .*integrity check"):
        db.session.get(Booking, booking_id).private_note  # noqa: B018


def test_the_cli_rotates_the_key_and_the_worker_refuses_a_wrong_one(app, written, host_with):
    rotating = host_with(DATA_KEY=new_key(), DATA_KEY_PREVIOUS=TEST_DATA_KEY)
    with rotating.app_context():  # the command runs in the current app's context
        result = rotating.test_cli_runner().invoke(args=["privacy", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 3 value(s)" in result.output
    result = app.test_cli_runner().invoke(args=["worker", "--once"])  # the old key only
    assert result.exit_code == 1
    assert "DATA_KEY" in result.output and "Traceback" not in result.output
