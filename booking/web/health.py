"""For load balancers and the operator at 3 a.m.: does the process live (`/healthz`),
and can it serve (`/readyz`: the database answers, its schema is at the
migrations' head, and DATA_KEY reads what it stores)? Both answer tiny JSON and set no cookie."""

from __future__ import annotations

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app
from sqlalchemy.exc import SQLAlchemyError

from booking.extensions import db
from booking.services import data_keys
from booking.web.errors import RETRY_AFTER_SECONDS

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def live():
    """The process answers requests; nothing else is checked, so a database outage
    does not make a load balancer restart healthy processes."""
    return {"status": "ok"}


@bp.get("/readyz")
def ready():
    """The database is reachable and migrated to head, and the encrypted free text is
    readable with DATA_KEY: this process can serve."""
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError:
        return _unready("database unreachable")
    if current != _script_heads():
        return _unready("database schema is not at the latest migration: run "
                        "`booking db upgrade`")
    try:
        missing = data_keys.missing_key_ids()
    except SQLAlchemyError:
        return _unready("database unreachable")
    if missing:
        # Without the key ids: this answer is public.
        return _unready("DATA_KEY cannot read the stored messages and notes: is it the key "
                        "this database was written with?")
    return {"status": "ok"}


def _unready(reason: str):
    return {"status": "unavailable", "error": reason}, 503, {
        "Retry-After": str(RETRY_AFTER_SECONDS)}


def _script_heads() -> set[str]:
    """The head revisions of the migrations this code ships with."""
    config = current_app.extensions["migrate"].migrate.get_config()
    return set(ScriptDirectory.from_config(config).get_heads())
