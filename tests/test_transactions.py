"""The unit of work: a use case's writes are committed together or not at all, and
it is the only place in the package that commits."""

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

import booking
from booking.extensions import db
from booking.models import SessionType
from booking.transactions import unit_of_work

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
