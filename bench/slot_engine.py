"""Time the slot engine the way the team page uses it.

20 therapists in Europe/Berlin, each with weekday hours 09:00-12:30 and
13:30-18:00, 50-minute sessions on a 30-minute grid with a 10-minute buffer
after, over a 60-day horizon that spans the spring-forward. Existing bookings
(100, 1,000 and 10,000, dealt round-robin to the therapists) sit on random
grid starts inside the horizon; at 10,000 most days are booked solid, which is
the worst case for the sweep, not a realistic practice.

Run: .venv/bin/python bench/slot_engine.py (or `make bench`); the package is
installed in the virtualenv in editable mode.
"""

from __future__ import annotations

import random
import statistics
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.availability import (
    Booked,
    Rules,
    WeeklyHours,
    blocked_interval,
    free_slots,
)

THERAPISTS = 20
DAYS = 60
BOOKING_COUNTS = (100, 1_000, 10_000)
REPEATS = 7
ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
RULES = Rules(
    duration=timedelta(minutes=50),
    minimum_notice=timedelta(hours=12),
    horizon=timedelta(days=DAYS),
    slot_step=timedelta(minutes=30),
    buffer_after=timedelta(minutes=10),
)
WEEKLY = [
    WeeklyHours(weekday, start, end)
    for weekday in range(5)
    for start, end in ((time(9), time(12, 30)), (time(13, 30), time(18)))
]


def random_bookings(count: int, rng: random.Random) -> list[list[Booked]]:
    """`count` bookings on random weekday grid starts, dealt round-robin to the therapists."""
    first_day = NOW.astimezone(ZONE).date()
    workdays = [first_day + timedelta(days=offset) for offset in range(DAYS)]
    workdays = [day for day in workdays if day.weekday() < 5]
    per_therapist: list[list[Booked]] = [[] for _ in range(THERAPISTS)]
    for number in range(count):
        start = _random_start(rng.choice(workdays), rng)
        per_therapist[number % THERAPISTS].append(Booked(start, blocked_interval(start, RULES)))
    return per_therapist


def _random_start(day: date, rng: random.Random) -> datetime:
    half_hours = rng.choice([*range(18, 24), *range(27, 35)])
    wall = datetime.combine(day, time(half_hours // 2, 30 * (half_hours % 2)))
    return wall.replace(tzinfo=ZONE).astimezone(UTC)


def team_slots(booked: list[list[Booked]], limit: int | None) -> int:
    """One team page: every therapist's slots over the horizon; returns how many were found."""
    found = 0
    for therapist_booked in booked:
        found += len(free_slots(zone=ZONE, weekly=WEEKLY, unavailable=(), booked=therapist_booked,
                                rules=RULES, now=NOW, start=NOW, end=NOW + RULES.horizon,
                                limit=limit))
    return found


def median_ms(booked: list[list[Booked]], limit: int | None) -> tuple[float, int]:
    timings = []
    for _ in range(REPEATS):
        started = clock.perf_counter()
        found = team_slots(booked, limit)
        timings.append((clock.perf_counter() - started) * 1000)
    return statistics.median(timings), found


def main() -> None:
    rng = random.Random(20260302)
    print(f"{THERAPISTS} therapists x {DAYS} days, median of {REPEATS} runs per figure\n")
    print(f"{'bookings':>9} | {'all slots ms':>12} | {'slots found':>11} | "
          f"{'first free ms':>13} | {'ms/therapist':>12}")
    print("-" * 70)
    for count in BOOKING_COUNTS:
        booked = random_bookings(count, rng)
        all_ms, found = median_ms(booked, limit=None)
        first_ms, _ = median_ms(booked, limit=1)
        print(f"{count:>9,} | {all_ms:>12.1f} | {found:>11,} | {first_ms:>13.2f} | "
              f"{all_ms / THERAPISTS:>12.2f}")


if __name__ == "__main__":
    main()
