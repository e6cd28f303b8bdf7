"""The key that encrypts free text at rest: is it the right one, and rotating it.

Generic over the metadata: every `EncryptedText` column is covered, also one added
later, without being listed here."""

from __future__ import annotations

from sqlalchemy import Column, Text, func, not_, select, type_coerce, update

from booking.encryption import (
    KEY_ID_CHARS,
    PREFIX,
    DataKeyError,
    Keyring,
    encrypted_columns,
    keyring_of,
)
from booking.extensions import db
from booking.transactions import unit_of_work


def bound_keyring() -> Keyring:
    """The keys the database session reads and writes with (DATA_KEY and
    DATA_KEY_PREVIOUS, bound by create_app)."""
    return keyring_of(db.session.get_bind().dialect)


def missing_key_ids() -> list[str]:
    """The ids of keys that stored values were encrypted with but that DATA_KEY and
    DATA_KEY_PREVIOUS do not hold (empty when every value can be read): a wrong
    DATA_KEY shows here before a page fails on it. Reads only the key ids, never
    decrypts."""
    seen: set[str] = set()
    for column in encrypted_columns(db.metadata):
        key_ids = func.substr(type_coerce(column, Text), len(PREFIX) + 1, KEY_ID_CHARS,
                              type_=Text)
        seen.update(db.session.scalars(select(key_ids).where(column.is_not(None)).distinct()))
    # End the read: a long-running caller (the worker) must not hold it open, which on
    # SQLite would keep every writer out.
    db.session.rollback()
    return sorted(seen - set(bound_keyring().known_ids))


def check_data_key() -> None:
    """DataKeyError naming DATA_KEY when stored values need a key that is not
    configured (a wrong DATA_KEY, or a previous key dropped before rotating)."""
    if missing := missing_key_ids():
        keyring = bound_keyring()
        raise DataKeyError(
            f"stored messages and notes are encrypted with key {', '.join(missing)}, which "
            f"is neither DATA_KEY ({keyring.current_id}) nor in DATA_KEY_PREVIOUS: set "
            "DATA_KEY to the key this database was written with")


def rotate_data_key() -> int:
    """Re-encrypt every stored value that the current key did not write (those of a
    previous key) with the current key; returns how many. Afterwards the previous key
    is no longer needed. DataKeyError, and nothing changed, when a value cannot be
    read with the keys given."""
    keyring = bound_keyring()
    count = 0
    # Immediate: a note saved meanwhile must not be overwritten with its older text.
    with unit_of_work(immediate=True):
        for column in encrypted_columns(db.metadata):
            count += _rotate_column(column, keyring)
    return count


def _rotate_column(column: Column[str], keyring: Keyring) -> int:
    table = column.table
    (key,) = table.primary_key.columns
    stale = not_(type_coerce(column, Text).like(f"{PREFIX}{keyring.current_id}:%"))
    # The column through its type: decrypted with whichever key wrote the value.
    rows = db.session.execute(select(key, column).where(column.is_not(None), stale)
                              .with_for_update()).all()
    for row_id, text in rows:
        # Written through the column's type again: encrypted with the current key.
        db.session.execute(update(table).where(key == row_id).values({column.name: text}))
    return len(rows)
