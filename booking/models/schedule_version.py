"""Every write that can change what visitors are offered moves a number in the
database: the schedule version of each therapist it concerns.

Caches of computed results (free slots, rendered week pages, feed validators) key
on these numbers, read in the same request (DESIGN.md, Scale path): a change made
through any process on any host is seen by every other at its next request. The
version is moved here, by the session itself, in the transaction that writes, so
no use case can forget it:

- a booking, working hours, time off, booking rules or a busy-calendar interval
  written, changed or deleted: its therapist's version (both therapists' when a
  booking changes hands);
- the therapist row itself (profile, active, languages, zone): its own version;
- a busy calendar deleted (its intervals go with it in the database): its therapist's;
- a session type written: every therapist's (each one's slots depend on it);
- the practice's closing days or profile written: every therapist's (kept pages show
  the practice's look, feeds the default meeting link of whoever sets none);
- a bulk UPDATE or DELETE on any of these tables: the version of every therapist
  whose rows it matches (every therapist's for a table without a therapist).

On PostgreSQL the booking transaction has locked its therapist's row already
(schedule.lock_schedule), so moving that row's version adds no lock wait.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Delete, Select, Update, event, inspect, select, update
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from booking.models.booking import Booking
from booking.models.calendars import BusyCalendar, BusyInterval
from booking.models.closing import ClosingPeriod
from booking.models.practice import PracticeProfile
from booking.models.session_type import SessionType
from booking.models.therapist import BookingRules, Therapist, TimeOff, WorkingHours

# Rows that carry a therapist_id and shape that therapist's free time.
PER_THERAPIST: tuple[type, ...] = (Booking, WorkingHours, TimeOff, BookingRules, BusyInterval)
# Rows whose deletion alone matters (their other writes are bookkeeping, such as a
# busy calendar's last fetch; the intervals it brings are counted themselves).
DELETION_ONLY: tuple[type, ...] = (BusyCalendar,)
# Rows that shape everyone's free time (session types, the practice's closing days) or
# what every cached page and feed shows (the practice's name, logo and colour, and the
# default meeting link of therapists without their own).
PRACTICE_WIDE: tuple[type, ...] = (SessionType, ClosingPeriod, PracticeProfile)

EVERYONE = None  # in a set of touched therapist ids: all of them


def touched_by(session: Session) -> set[int | None]:
    """The ids of the therapists whose schedules the pending flush changes
    (EVERYONE among them when all are concerned)."""
    touched: set[int | None] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        deleted = instance in session.deleted
        if isinstance(instance, PRACTICE_WIDE):
            touched.add(EVERYONE)
        elif isinstance(instance, Therapist):
            if deleted or session.is_modified(instance):
                touched.add(instance.id)
        elif isinstance(instance, PER_THERAPIST) or (
                deleted and isinstance(instance, DELETION_ONLY)):
            if instance in session.dirty and not session.is_modified(instance):
                continue
            history = inspect(instance).attrs.therapist_id.history
            touched.update(history.added, history.unchanged, history.deleted)
    return touched


_BUMPED = "booking.schedule_versions_bumped"


def bumped_in_transaction(session: Session, therapist_ids: Iterable[int]) -> None:
    """Note that the current transaction has moved these versions itself (the
    schedule lock does): its flushes need not move them again."""
    transaction = session.get_transaction()
    kept: tuple[Any, set[int]] | None = session.info.get(_BUMPED)
    if kept is None or kept[0] is not transaction:
        kept = session.info[_BUMPED] = (transaction, set())
    kept[1].update(therapist_ids)


def bump(session: Session, touched: set[int | None]) -> None:
    """Move the versions of `touched` (in the session's transaction), but for those
    the transaction has moved already."""
    kept = session.info.get(_BUMPED)
    done = kept[1] if kept is not None and kept[0] is session.get_transaction() else set()
    ids = sorted(i for i in touched if i is not None and i not in done)
    if not ids and EVERYONE not in touched:
        return
    statement = _bump_all()
    if EVERYONE not in touched:
        statement = statement.where(Therapist.id.in_(ids))
    session.connection().execute(statement)


def _bump_all() -> Update:
    return update(Therapist).values(schedule_version=Therapist.schedule_version + 1)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    # After the flush, new rows have their ids; the session still lists what it wrote.
    bump(session, touched_by(session))


# Tables by name, with the models whose rows name a therapist (None: everyone's).
_TABLES: dict[str, type | None] = {
    **{inspect(model).local_table.name: model for model in (*PER_THERAPIST, *DELETION_ONLY)},
    **{inspect(model).local_table.name: None for model in PRACTICE_WIDE},
}


def _bulk_statement(state: ORMExecuteState) -> Any:
    """Before a bulk UPDATE or DELETE of schedule rows: move the versions of the
    therapists whose rows it matches (read before the rows change or go)."""
    statement = state.statement
    if not isinstance(statement, Update | Delete):
        return None
    name = getattr(statement.table, "name", None)
    if name not in _TABLES:
        return None
    bump_matched = _bump_all()
    if (model := _TABLES[name]) is not None:
        matched: Select[Any] = select(inspect(model).columns["therapist_id"])
        if statement.whereclause is not None:
            matched = matched.where(statement.whereclause)
        bump_matched = bump_matched.where(Therapist.id.in_(matched))
    state.session.connection().execute(bump_matched)
    return None


def init() -> None:
    """Listen on every session (idempotent)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "do_orm_execute", _bulk_statement)
