"""Exceptions to the one-free-first-consultation rule, granted by an admin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, ScalarSelect, delete, func, select

from booking import validation
from booking.errors import NotFound
from booking.extensions import db
from booking.models import FirstSessionWaiver
from booking.transactions import unit_of_work


def grant(*, email: str, note: str, granted_by_id: int, now: datetime) -> FirstSessionWaiver:
    """Allow the person behind `email` one more free first consultation.
    Raises InvalidInput for an address that is not one."""
    address = validation.email(email)
    waiver = FirstSessionWaiver(email_key=validation.email_identity(address), email=address,
                                note=note.strip()[:200], granted_by_id=granted_by_id,
                                created_at=now)
    with unit_of_work():
        db.session.add(waiver)
    return waiver


def revoke(waiver_id: int) -> None:
    with unit_of_work():
        waiver = db.session.get(FirstSessionWaiver, waiver_id)
        if waiver is None:
            raise NotFound("no such exception")
        db.session.delete(waiver)


def revoke_for(email_key: str) -> None:
    """Remove every exception for this person (flush only: part of the caller's
    transaction, e.g. erasing their data)."""
    db.session.execute(delete(FirstSessionWaiver).where(
        FirstSessionWaiver.email_key == email_key))


def count_of(email_key: str | BindParameter[str]) -> ScalarSelect[int]:
    """How many exceptions this person has, as a subquery (the booking's check of the
    rule folds it into its own statement)."""
    return (select(func.count()).select_from(FirstSessionWaiver)
            .where(FirstSessionWaiver.email_key == email_key).scalar_subquery())


def all_waivers() -> list[FirstSessionWaiver]:
    return list(db.session.scalars(
        select(FirstSessionWaiver).order_by(FirstSessionWaiver.created_at.desc())))
