"""The unit of work: a use case's writes are committed together or not at all, and
it is the only place in the package that commits."""

import ast
from pathlib import Path

import pytest
from sqlalchemy import event, func, insert, select, text, update

import booking
from booking.extensions import db
from booking.models import SessionType
from booking.transactions import unit_of_work
from tests.support import postgresql_only

PACKAGE = Path(booking.__file__).parent


def session_type(slug: str) -> SessionType:
    return SessionType(slug=slug, name_de=slug, name_en=slug, duration_minutes=50,
                       is_free=True, active=True)


def stored_slugs() -> list[str]:
    db.session.rollback()  # a fresh transaction sees what others committed
    return list(db.session.scalars(select(SessionType.slug).order_by(SessionType.slug)))


def test_a_unit_of_work_commits_everything_its_block_did(app):
    with unit_of_work():
        db.session.add(session_type("one"))
        db.session.flush()
        db.session.add(session_type("two"))
    assert stored_slugs() == ["one", "two"]


def test_a_unit_of_work_that_raises_writes_nothing_and_re_raises(app):
    with pytest.raises(LookupError), unit_of_work():
        db.session.add(session_type("one"))
        db.session.flush()
        raise LookupError("refused")
    assert stored_slugs() == []


def test_an_immediate_unit_of_work_starts_after_the_open_read_transaction(app):
    db.session.scalar(select(func.count()).select_from(SessionType))
    assert db.session().in_transaction()
    with unit_of_work(immediate=True):
        db.session.add(session_type("one"))
    assert stored_slugs() == ["one"]


def test_nothing_in_the_package_commits_but_the_unit_of_work():
    commits = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr == "commit"
    ]
    assert [where.split(":")[0] for where in commits] == ["transactions.py"], commits


def test_an_immediate_unit_of_work_reads_what_was_committed_after_the_request_read(app):
    db.session.add(session_type("one"))
    db.session.commit()
    loaded = db.session.scalar(select(SessionType))  # the request's read transaction
    with db.engine.begin() as other:  # another host, meanwhile
        other.execute(update(SessionType).values(name_de="geändert"))
        other.execute(insert(SessionType).values(
            slug="two", name_de="two", name_en="two", duration_minutes=50, is_free=True,
            active=True))
    with unit_of_work(immediate=True):
        assert loaded.name_de == "geändert"  # what the session held is read again
        assert db.session.scalar(select(func.count()).select_from(SessionType)) == 2


@postgresql_only  # SQLite ends the read transaction to begin with BEGIN IMMEDIATE
def test_on_postgresql_a_writer_continues_the_request_s_read_transaction(app):
    checkouts = []

    def checked_out(*_args) -> None:
        checkouts.append(1)

    event.listen(db.engine, "checkout", checked_out)
    try:
        db.session.scalar(select(func.count()).select_from(SessionType))
        with unit_of_work(immediate=True):
            db.session.add(session_type("one"))
    finally:
        event.remove(db.engine, "checkout", checked_out)
    assert len(checkouts) == 1  # no ROLLBACK, second checkout and BEGIN in between
    assert stored_slugs() == ["one"]


@postgresql_only
def test_on_postgresql_every_transaction_is_read_committed_whatever_the_default(app):
    db.session.execute(text(
        "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE"))
    db.session.commit()
    level = db.session.scalar(text("SHOW transaction_isolation"))
    db.session.rollback()
    assert level == "read committed"


def test_writes_made_before_an_immediate_unit_of_work_are_not_committed_with_it(app):
    db.session.add(session_type("stray"))  # outside any unit of work: a mistake
    db.session.flush()
    with unit_of_work(immediate=True):
        db.session.add(session_type("one"))
    assert stored_slugs() == ["one"]
