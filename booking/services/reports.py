"""The practice's report of which articles bring bookings: per month and call-to-action source."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking, BookingStatus

# A spreadsheet runs a cell starting with one of these as a formula (OWASP CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class SourceMonth:
    """Bookings made in one month through one source, and how many of them were confirmed."""

    month: date  # its first day
    source: str  # Booking.cta_source, "" when unknown
    bookings: int
    confirmations: int


def last_months(today: date, count: int = 12) -> list[date]:
    """The first days of the `count` months ending with today's month, oldest first."""
    this_month = today.year * 12 + today.month - 1
    return [date(n // 12, n % 12 + 1, 1) for n in range(this_month - count + 1, this_month + 1)]


def cta_report(*, months: list[date], zone: ZoneInfo) -> list[SourceMonth]:
    """Per month and source: the bookings made then, in `zone`'s calendar, whatever became
    of them, and how many of those were confirmed (counted in the month the booking was
    made, so never more than its bookings). `months` are first days, as from last_months.

    Sorted by month, then most bookings, then source; a month or source without
    bookings is left out.
    """
    if not months:
        return []
    wanted = set(months)
    made = db.session.execute(
        select(Booking.created_at, Booking.confirmed_at, Booking.cta_source).where(
            Booking.created_at >= _month_start(min(months), zone),
            Booking.created_at < _month_start(_next_month(max(months)), zone),
        )
    )
    bookings: Counter[tuple[date, str]] = Counter()
    confirmations: Counter[tuple[date, str]] = Counter()
    # Grouped here, not in SQL: local months across DST, alike on SQLite and PostgreSQL.
    for created_at, confirmed_at, source in made:
        key = (created_at.astimezone(zone).date().replace(day=1), source)
        if key[0] in wanted:
            bookings[key] += 1
            if confirmed_at is not None:
                confirmations[key] += 1
    rows = [SourceMonth(month, source, count, confirmations[month, source])
            for (month, source), count in bookings.items()]
    return sorted(rows, key=lambda row: (row.month, -row.bookings, row.source))


def sources_by_total(rows: Iterable[SourceMonth]) -> list[str]:
    """The sources of `rows`, most bookings over all months first, then by name."""
    totals: Counter[str] = Counter()
    for row in rows:
        totals[row.source] += row.bookings
    return sorted(totals, key=lambda source: (-totals[source], source))


CSV_HEADER = ("month", "source", "bookings", "confirmations")


def as_csv(rows: Iterable[SourceMonth], delimiter: str = ",",
           header: tuple[str, str, str, str] = CSV_HEADER) -> str:
    """The report as CSV: month (YYYY-MM), source, bookings, confirmations, under
    `header` (the reader's words). A source a spreadsheet would run as a formula gets
    a leading apostrophe. (Excel in German expects `;` between fields.)"""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([f"{row.month:%Y-%m}", _defused(row.source), row.bookings,
                         row.confirmations])
    return out.getvalue()


def bookings_as_csv(rows: Iterable[Booking], *, zone: ZoneInfo, delimiter: str,
                    header: tuple[str, ...], status_labels: dict[BookingStatus, str]) -> str:
    """The admin's list of bookings as CSV under `header` (the reader's words): date and
    time in `zone`, minutes, therapist, client, email, phone, partner, status (in
    `status_labels`' words), source and when it was booked. Never the client's message
    or the therapist's notes. Every text a visitor or an admin typed is defused against
    spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    for booking in rows:
        start = booking.start_utc.astimezone(zone)
        writer.writerow([
            f"{start:%Y-%m-%d}", f"{start:%H:%M}",
            int((booking.end_utc - booking.start_utc).total_seconds() // 60),
            *(_defused(text) for text in (
                booking.therapist.display_name, booking.visitor_name, booking.visitor_email,
                booking.visitor_phone, booking.partner_name)),
            status_labels.get(booking.status, booking.status.value),
            _defused(booking.cta_source),
            f"{booking.created_at.astimezone(zone):%Y-%m-%d %H:%M}",
        ])
    return out.getvalue()


def _defused(cell: str | None) -> str:
    # The source comes from a URL parameter anyone can set; names from a form.
    cell = cell or ""
    return f"'{cell}" if cell.startswith(_FORMULA_STARTS) else cell


def _month_start(month: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(month, time(0), tzinfo=zone).astimezone(UTC)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)
