"""Alembic environment: runs migrations on the app's own engine."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from booking.database import UTCDateTime
from booking.encryption import EncryptedText

config = context.config
if config.config_file_name is not None and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def render_item(type_, obj, autogen_context):
    """Write the app's UTC and encrypted types as the plain column types they store, so that
    migrations never import application code that may change later."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, EncryptedText):
        return "sa.Text()"
    return False


def run_migrations_offline() -> None:
    context.configure(
        url=db.engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        render_item=render_item,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with db.engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_item=render_item,
            # Flask-Migrate's defaults: compare types, and batch mode, with which
            # SQLite alters a table by copying it.
            **current_app.extensions["migrate"].configure_args,
        )
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Copying a table means dropping the old one, which foreign keys from rows
            # elsewhere (a therapist's bookings) would refuse. The pragma only takes
            # effect outside a transaction; the check below stands in for the guard.
            # On the driver's connection: SQLAlchemy's would begin a transaction first.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            with context.begin_transaction():
                context.run_migrations()
                if sqlite and (broken := connection.exec_driver_sql(
                        "PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"the migration left broken foreign keys: {broken}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
