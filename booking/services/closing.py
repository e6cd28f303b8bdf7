"""Days on which the whole practice is closed: the public holidays of its federal state
(HOLIDAY_STATE) and the closing periods the admin enters, e.g. between Christmas and
New Year. Nobody can book on them; bookings made before stay, and the admin sees them.

Closed days are dates in the practice's zone (Europe/Berlin, PRACTICE_ZONE): the
practice is in Germany and closes on its own local days, whatever a therapist's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import bindparam, select

from booking import availability
from booking.errors import InvalidInput, NotFound
from booking.extensions import db
from booking.models import Booking, ClosingPeriod
from booking.public_holidays import PRACTICE_ZONE, holidays_between
from booking.services import schedule  # (schedule imports this module too)
from booking.transactions import unit_of_work

# How far ahead the admin's list looks for bookings on holidays (beyond any horizon).
_AHEAD = timedelta(days=400)


@dataclass(frozen=True)
class BookingOnClosedDay:
    """An upcoming booking on a day the practice is closed, and that day's name."""

    booking: Booking
    closed_because: str


def closed_days(first: date, last: date, *, holiday_state: str,
                locale: str = "de") -> dict[date, str]:
    """Each closed day from `first` to `last` (both included) with why it is closed,
    in `locale`: the holiday's name, the closing period's label, or "Practice closed"."""
    found = holidays_between(holiday_state, first, last, locale=locale)
    with force_locale(locale):
        unnamed = gettext("Practice closed")
    for period in _periods(first, last):
        for day in period.days():
            if first <= day <= last:
                found.setdefault(day, period.label or unnamed)
    return found


def closed_for_engine(low: datetime, high: datetime, *,
                      holiday_state: str) -> availability.ClosedDays:
    """The closed days between two instants, as the slot engine takes them (without
    their names: this runs for every page of free times)."""
    first, last = (instant.astimezone(PRACTICE_ZONE).date() for instant in (low, high))
    days = set(holidays_between(holiday_state, first, last))
    # The periods' first and last days only, past the ORM (see schedule.read_columns).
    for period_first, period_last in schedule.read_columns(
            _PERIOD_DAYS, {"first": first, "last": last}):
        days.update(date.fromordinal(n) for n in range(
            max(period_first, first).toordinal(), min(period_last, last).toordinal() + 1))
    return availability.ClosedDays(frozenset(days), PRACTICE_ZONE)


def _periods(first: date, last: date) -> list[ClosingPeriod]:
    return list(db.session.scalars(_PERIODS, {"first": first, "last": last}))


_OVERLAPPING = (ClosingPeriod.last_day >= bindparam("first"),
                ClosingPeriod.first_day <= bindparam("last"))
# Built once: read for every slot computation.
_PERIODS = select(ClosingPeriod).where(*_OVERLAPPING).order_by(ClosingPeriod.first_day)
_PERIOD_DAYS = select(ClosingPeriod.first_day, ClosingPeriod.last_day).where(*_OVERLAPPING)


def add_closing_period(*, first_day: date, last_day: date, label: str, now: datetime
                       ) -> ClosingPeriod:
    """Close the practice from `first_day` to `last_day` (both included). Existing
    bookings on those days stay booked (bookings_inside names them). InvalidInput
    ("last_day", "reversed") when the range ends before it starts."""
    if last_day < first_day:
        raise InvalidInput("last_day", "reversed")
    with unit_of_work():
        period = ClosingPeriod(first_day=first_day, last_day=last_day,
                               label=" ".join(label.split())[:120], created_at=now)
        db.session.add(period)
    return period


def remove_closing_period(period_id: int) -> None:
    """Open the practice again on a closing period's days."""
    with unit_of_work():
        period = db.session.get(ClosingPeriod, period_id)
        if period is None:
            raise NotFound("no such closing period")
        db.session.delete(period)


def closing_periods(*, now: datetime) -> list[ClosingPeriod]:
    """The closing periods that have not ended yet, the earliest first."""
    today = now.astimezone(PRACTICE_ZONE).date()
    return list(db.session.scalars(select(ClosingPeriod).where(ClosingPeriod.last_day >= today)
                                   .order_by(ClosingPeriod.first_day, ClosingPeriod.id)))


def bookings_inside(period_id: int, *, now: datetime) -> list[Booking]:
    """Upcoming bookings on a closing period's days (they stay booked)."""
    period = db.session.get(ClosingPeriod, period_id)
    if period is None:
        raise NotFound("no such closing period")
    return _upcoming(now, _midnight(period.first_day),
                     _midnight(period.last_day + timedelta(days=1)))


def bookings_on_closed_days(*, now: datetime, holiday_state: str,
                            locale: str = "de") -> list[BookingOnClosedDay]:
    """Upcoming bookings of the whole team on holidays and closing days (made before
    the day was closed, or by a therapist by hand): they stay, the admin decides."""
    upcoming = _upcoming(now, now, now + _AHEAD)
    if not upcoming:
        return []
    today = now.astimezone(PRACTICE_ZONE).date()
    closed = closed_days(today, today + _AHEAD, holiday_state=holiday_state, locale=locale)
    found = []
    for booking in upcoming:
        start = booking.start_utc.astimezone(PRACTICE_ZONE)
        end = (booking.end_utc - timedelta(microseconds=1)).astimezone(PRACTICE_ZONE)
        names = [closed[day] for day in (start.date(), end.date()) if day in closed]
        if names:
            found.append(BookingOnClosedDay(booking, names[0]))
    return found


def _upcoming(now: datetime, low: datetime, high: datetime) -> list[Booking]:
    """Bookings that hold time ahead and overlap [low, high), in start order."""
    return list(db.session.scalars(select(Booking).where(
        Booking.end_utc > max(now, low), Booking.start_utc < high, schedule.occupying_at(now))
        .order_by(Booking.start_utc)))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=PRACTICE_ZONE)
