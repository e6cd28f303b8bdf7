"""Showing instants to people: their zone, their language, their week."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_name
from flask import Flask
from flask_babel import get_locale, gettext

from booking.availability import Slot
from booking.models import Booking
from booking.validation import DEFAULT_ZONE, visitor_zone  # noqa: F401  (used by views)
from booking.zone_names import UTC_NAMES, zone_place


@dataclass(frozen=True)
class Day:
    """One local day of the visitor's week and its slots."""

    day: date
    slots: list[Slot]
    closed: str = ""  # why the practice is closed that day (a holiday's name), if it is


# Nobody books further ahead than this; a week asked for beyond it is clamped.
FURTHEST_WEEK = timedelta(days=400)


def week_of(asked: str | None, zone: ZoneInfo, now: datetime) -> date:
    """The Monday of the week to show: the asked date's week, never one before this
    week nor one beyond any booking horizon."""
    today = now.astimezone(zone).date()
    try:
        day = date.fromisoformat(asked) if asked else today
    except ValueError:
        day = today
    return monday_of(min(max(day, today), today + FURTHEST_WEEK))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone).astimezone(UTC)


def week_bounds(monday: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants the local week from `monday` begins and ends in `zone`."""
    return local_midnight(monday, zone), local_midnight(monday + timedelta(days=7), zone)


@dataclass(frozen=True)
class ShownWeek:
    """The week a week picker shows: its Monday and its free slots; when it has none,
    the next free time after it; and whether empty weeks were passed over to reach it."""

    monday: date
    slots: list[Slot]
    later: Slot | None = None
    skipped: bool = False


def shown_week(asked: str | None, zone: ZoneInfo, now: datetime, *,
               free_between: Callable[[datetime, datetime], list[Slot]],
               first_free_from: Callable[[datetime], Slot | None]) -> ShownWeek:
    """The week a picker shows in `zone`: the week `asked` for in the address as it
    is, an empty one with the next free time after it; asked for none, the first week
    from this one with a free time (this one when none is free within the horizon).
    `free_between(start, end)` gives the picker's free slots in an interval,
    `first_free_from(after)` its first free slot from an instant."""
    monday = week_of(asked, zone, now)
    start, end = week_bounds(monday, zone)
    if slots := free_between(start, end):
        return ShownWeek(monday, slots)
    later = first_free_from(end)
    if later is None or asked is not None:
        return ShownWeek(monday, slots, later)
    # From Friday to Sunday this week often has nothing left: a picker opened
    # without a week asked for opens on the first week with a free time.
    monday = monday_of(later.start.astimezone(zone).date())
    return ShownWeek(monday, free_between(*week_bounds(monday, zone)), skipped=True)


def days_of_week(first: date, slots: list[Slot], zone: ZoneInfo, count: int = 7,
                 closed: Mapping[date, str] | None = None) -> list[Day]:
    """`count` local days from `first`, each with its slots (sorted input stays sorted);
    slots on other days are left out. A day in `closed` (the practice's closed days:
    dates in Berlin, shown on the same date in any zone) carries the reason."""
    by_day: dict[date, list[Slot]] = {first + timedelta(days=n): [] for n in range(count)}
    for slot in slots:
        day = slot.start.astimezone(zone).date()
        if day in by_day:
            by_day[day].append(slot)
    closed = closed or {}
    return [Day(day, day_slots, closed.get(day, "")) for day, day_slots in by_day.items()]


def locale_name() -> str:
    return str(get_locale() or "de")


def by_local_day(bookings: list, zone: ZoneInfo) -> list[tuple[date, list]]:
    """Bookings (in start order) grouped by their day in `zone`, for day-by-day lists."""
    return [(day, list(items)) for day, items in
            groupby(bookings, key=lambda b: b.start_utc.astimezone(zone).date())]


def local_time(instant: datetime, zone: ZoneInfo) -> str:
    return format_time(instant, "short", tzinfo=zone, locale=locale_name())


def local_date(instant: datetime | date, zone: ZoneInfo | None = None) -> str:
    if isinstance(instant, datetime):
        instant = instant.astimezone(zone).date()
    return format_date(instant, "full", locale=locale_name())


def month_label(first_day: date) -> str:
    """A month in the page's language: "November 2026"."""
    return format_date(first_day, "MMMM yyyy", locale=locale_name())


def short_month_label(first_day: date) -> str:
    """A month as short as a chart's axis needs: "Nov. 26", "Nov 26"."""
    return format_date(first_day, "MMM yy", locale=locale_name())


def local_datetime(instant: datetime, zone: ZoneInfo) -> str:
    """E.g. "Dienstag, 2. Juni 2026, 09:00" — date and time as the visitor reads them."""
    return f"{local_date(instant, zone)}, {local_time(instant, zone)}"


def zone_name(zone: ZoneInfo) -> str:
    """A readable name of the zone next to its place, e.g. "Mitteleuropäische Zeit";
    "UTC" for UTC (CLDR would say "Unknown Region (UTC) Time")."""
    if zone.key in UTC_NAMES:
        return "UTC"
    try:
        return get_timezone_name(zone, "long", locale=locale_name())
    except (LookupError, ValueError):
        return zone.key


def zone_label(zone: ZoneInfo) -> str:
    """The zone's place in the page's language: "New York, USA"; "UTC"."""
    return zone_place(zone.key, locale_name())


def short_datetime(instant: datetime, zone: ZoneInfo) -> str:
    """Date and time to the minute: "24.11.2026, 13:30" (no seconds: nobody needs them)."""
    day = format_date(instant.astimezone(zone).date(), "medium", locale=locale_name())
    return f"{day}, {local_time(instant, zone)}"


def local_period(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """A stretch of time as people say it: whole days as dates ("27.11.2026" or
    "27.11.2026 – 29.11.2026"), anything else from its first to its last minute."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.time() == last.time() == time(0):
        days = [format_date(d, "medium", locale=locale_name())
                for d in (first.date(), last.date() - timedelta(days=1))]
        return days[0] if days[0] == days[1] else f"{days[0]} – {days[1]}"
    if first.date() == last.date():
        return f"{short_datetime(start, zone)} – {local_time(end, zone)}"
    if last.time() == time(0):
        # Time off "from 14:00" lasts to the end of its last day: that day until
        # midnight ("24:00"), not the next day at 00:00, which reads as a day too many.
        last_day = last.date() - timedelta(days=1)
        if last_day == first.date():
            return f"{short_datetime(start, zone)} – {gettext('midnight')}"
        day = format_date(last_day, "medium", locale=locale_name())
        return f"{short_datetime(start, zone)} – {day}, {gettext('midnight')}"
    return f"{short_datetime(start, zone)} – {short_datetime(end, zone)}"


_BAD_ADDRESS = re.compile(r"^SMTP (55[013])\b.* recipient rejected$")


def delivery_problem(reason: str) -> str:
    """Why a mail did not arrive, in the reader's language where we can tell: an
    address that does not exist is said plainly; other reasons keep their technical
    words (codes and kinds only: the worker stores no address or server text)."""
    if match := _BAD_ADDRESS.match(reason):
        return gettext("The address does not exist or does not accept mail (server answer "
                       "%(code)s).", code=match.group(1))
    return gettext("Not delivered: %(reason)s", reason=reason)


def client_name(booking: Booking) -> str:
    """Who booked, as lists and pages show it; after erasure, that it was deleted."""
    return booking.visitor_name or gettext("(client data deleted)")


def source_label(source: str) -> str:
    """Where a booking came from, as the practice reads it: the source in the article
    button's link ("getting-him-back"), or, without one, that the booking page was
    opened directly (typed in, bookmarked, a link without a source)."""
    return source or gettext("opened directly, not from an article")


def initials(name: str) -> str:
    """Two letters for a photo placeholder: "Dr. Anna Berger" -> "AB"."""
    words = [w for w in name.replace(".", ". ").split() if not w.endswith(".")]
    return "".join(w[0] for w in (words[:1] + words[-1:] if len(words) > 1 else words)).upper()


def language_names(codes: list[str]) -> list[str]:
    """The languages in the page's language; a code babel has no name for, as it is."""
    return [Locale.parse(code).get_display_name(locale_name()) or code for code in codes]


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        local_time=local_time, local_date=local_date, local_datetime=local_datetime,
        short_datetime=short_datetime, initials=initials, language_names=language_names,
        client_name=client_name, delivery_problem=delivery_problem, source_label=source_label,
    )
    app.jinja_env.globals.update(zone_name=zone_name, zone_place=zone_label,
                                 month_label=month_label, local_period=local_period)
