"""Properties of the slot engine that hold for any schedule.

Generated schedules sit around the 2026 daylight-saving changes of each zone,
including Australia/Lord_Howe, whose clocks move by only thirty minutes. The
checks read the therapist's wall clock directly instead of reusing the
engine's helpers, and one brute-force oracle (every candidate against every
obstacle) pins down that nothing free is left out.
"""

from __future__ import annotations

import functools
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from booking.availability import (
    Booked,
    Interval,
    Rules,
    Slot,
    WeeklyHours,
    blocked_interval,
    free_slots,
    is_offered,
)

# When each zone changes its offset in 2026; UTC and Kolkata never do, so any day serves.
SHIFTS = {
    "Europe/Berlin": [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)],
    "America/New_York": [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)],
    "Australia/Lord_Howe": [datetime(2026, 4, 4, 15, tzinfo=UTC),
                            datetime(2026, 10, 3, 15, 30, tzinfo=UTC)],
    "Asia/Kolkata": [datetime(2026, 6, 1, tzinfo=UTC)],
    "UTC": [datetime(2026, 6, 1, tzinfo=UTC)],
}
CHANGING = ["America/New_York", "Australia/Lord_Howe", "Europe/Berlin"]
DAY_MINUTES = 24 * 60
KOLKATA = ZoneInfo("Asia/Kolkata")
# Most bookings are free first consultations, which count toward the cap.
COUNTS_TOWARD_CAP = st.sampled_from([True, True, False])
EXAMPLES = settings(max_examples=200, deadline=None)


@functools.cache  # building strategies anew on every draw would dominate the run time
def minutes(low: int, high: int) -> st.SearchStrategy[timedelta]:
    """Spans of low..high minutes, drawn as days, hours and minutes: hypothesis
    favours small integers, so one draw over a wide range would seldom be long."""
    return st.builds(
        lambda days, hours, extra: timedelta(
            minutes=min(max(days * DAY_MINUTES + hours * 60 + extra, low), high)
        ),
        st.integers(low // DAY_MINUTES, high // DAY_MINUTES),
        st.integers(0, min(23, max(0, high // 60))),
        st.integers(0, 59),
    )


def wall_time(since_midnight: timedelta) -> time:
    return time(*divmod(since_midnight.seconds // 60, 60))


@st.composite
def week(draw) -> list[WeeklyHours]:
    """Up to two intervals per weekday, so most generated days can offer something."""
    week = []
    for weekday in range(7):
        for _ in range(draw(st.integers(0, 2))):
            opens = draw(minutes(0, DAY_MINUTES - 2))
            closes = min(opens + draw(minutes(1, DAY_MINUTES)), timedelta(minutes=DAY_MINUTES - 1))
            week.append(WeeklyHours(weekday, wall_time(opens), wall_time(closes)))
    if week and draw(st.booleans()):
        # Hours that open together walk the same grid: each start must come out once.
        twin = draw(st.sampled_from(week))
        closes = wall_time(draw(minutes(0, DAY_MINUTES - 1)))
        if closes > twin.start:
            week.append(WeeklyHours(twin.weekday, twin.start, closes))
    return draw(st.permutations(week))


@st.composite
def night_hours(draw, weekday: int) -> WeeklyHours:
    """Hours through the small hours of `weekday`, when the clocks change."""
    opens = draw(minutes(0, 3 * 60))
    return WeeklyHours(weekday, wall_time(opens), wall_time(opens + draw(minutes(30, 6 * 60))))


@st.composite
def engine_rules(draw) -> Rules:
    return Rules(
        duration=draw(minutes(5, 180)),
        minimum_notice=draw(minutes(0, DAY_MINUTES // 2)),
        horizon=draw(minutes(60, 8 * DAY_MINUTES)),
        slot_step=draw(minutes(5, 120)),
        buffer_before=draw(minutes(0, 30)),
        buffer_after=draw(minutes(0, 30)),
        daily_cap=draw(st.none() | st.integers(1, 3)),
    )


@st.composite
def scenarios(draw, across_a_clock_change: bool = False) -> dict:
    """Keyword arguments for free_slots: a schedule, `now` and a window near a 2026
    clock change of the zone. Across a clock change, the window spans the change
    and the therapist works through the night it happens in."""
    zone_name = draw(st.sampled_from(CHANGING if across_a_clock_change else sorted(SHIFTS)))
    zone = ZoneInfo(zone_name)
    shift = draw(st.sampled_from(SHIFTS[zone_name]))
    rules = draw(engine_rules())
    weekly = draw(week())
    if across_a_clock_change:
        start = shift - draw(minutes(0, 12 * 60))
        now = start - draw(minutes(0, 2 * DAY_MINUTES))
        end = shift + draw(minutes(60, DAY_MINUTES))
        weekly.append(draw(night_hours(shift.astimezone(zone).weekday())))
    else:
        now = shift + draw(minutes(-2 * DAY_MINUTES, DAY_MINUTES // 2))
        start = now + draw(minutes(-DAY_MINUTES, 2 * DAY_MINUTES))
        end = start + draw(minutes(60, 4 * DAY_MINUTES))

    def near_start() -> datetime:
        return start + draw(minutes(-DAY_MINUTES // 2, 3 * DAY_MINUTES))

    def shown(instant: datetime) -> datetime:
        """The same instant, written in UTC, the therapist's zone or yet another zone."""
        return instant.astimezone(draw(st.sampled_from([UTC, zone, KOLKATA])))

    booked = []
    for _ in range(draw(st.integers(0, 8))):
        session_start = shown(near_start())
        if draw(st.booleans()):
            blocked = blocked_interval(session_start, rules)
        else:
            # A booking of another session type blocks a span of its own.
            blocked = Interval(session_start, session_start + draw(minutes(1, 240)))
        booked.append(Booked(session_start, blocked, draw(COUNTS_TOWARD_CAP)))
    unavailable = []
    for _ in range(draw(st.integers(0, 4))):
        off = near_start()
        unavailable.append(Interval(off, off + draw(minutes(1, 600))))
    return {
        "zone": zone,
        "weekly": weekly,
        "unavailable": unavailable,
        "booked": booked,
        "rules": rules,
        "now": shown(now),
        "start": shown(start),
        "end": shown(end),
    }


SCENARIOS = scenarios() | scenarios(across_a_clock_change=True)


def without_window(scenario: dict) -> dict:
    return {key: value for key, value in scenario.items() if key not in ("start", "end")}


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    instant = wall.replace(tzinfo=zone)
    return instant.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


def closing_instant(day: date, hours: WeeklyHours, zone: ZoneInfo) -> datetime:
    """When the hours end: their end wall time, or the jump when that wall time is skipped."""
    wall = datetime.combine(day, hours.end)
    if exists(wall, zone):
        return wall.replace(tzinfo=zone)
    # Every transition of these zones falls on a whole minute.
    while not exists(wall, zone):
        wall -= timedelta(minutes=1)
    return wall.replace(tzinfo=zone).astimezone(UTC) + timedelta(minutes=1)


def within_hours(slot: Slot, hours: WeeklyHours, zone: ZoneInfo, step: timedelta) -> bool:
    local = slot.start.astimezone(zone)
    wall = local.replace(tzinfo=None)
    opens = datetime.combine(local.date(), hours.start)
    return (
        hours.weekday == local.weekday()
        and opens <= wall
        and (wall - opens) % step == timedelta(0)
        and slot.end <= closing_instant(local.date(), hours, zone)
    )


def expected_slots(scenario: dict) -> list[datetime]:
    """Brute force: every grid start of every day, tested against every obstacle."""
    zone, rules, now = scenario["zone"], scenario["rules"], scenario["now"].astimezone(UTC)
    obstacles = [*scenario["unavailable"], *(b.blocked for b in scenario["booked"])]
    per_day = Counter(b.start.astimezone(zone).date()
                      for b in scenario["booked"] if b.counts_toward_cap)
    day = scenario["start"].astimezone(zone).date() - timedelta(days=1)
    starts = set()
    while day <= scenario["end"].astimezone(zone).date():
        for hours in scenario["weekly"]:
            if hours.weekday != day.weekday():
                continue
            wall = datetime.combine(day, hours.start)
            while wall < datetime.combine(day, hours.end):
                # Arithmetic in UTC: adding to a zoned datetime would move its wall clock.
                instant = wall.replace(tzinfo=zone).astimezone(UTC)
                if (
                    exists(wall, zone)
                    and scenario["start"] <= instant < scenario["end"]
                    and now + rules.minimum_notice <= instant < now + rules.horizon
                    and instant + rules.duration <= closing_instant(day, hours, zone)
                    and (rules.daily_cap is None or per_day[day] < rules.daily_cap)
                    and not any(blocked_interval(instant, rules).overlaps(o) for o in obstacles)
                ):
                    starts.add(instant)
                wall += rules.slot_step
        day += timedelta(days=1)
    return sorted(starts)


@EXAMPLES
@given(SCENARIOS)
def test_no_slot_overlaps_a_booking_or_unavailable_time(scenario):
    obstacles = [*scenario["unavailable"], *(b.blocked for b in scenario["booked"])]

    for slot in free_slots(**scenario):
        blocked = blocked_interval(slot.start, scenario["rules"])
        assert not any(blocked.overlaps(obstacle) for obstacle in obstacles)


@EXAMPLES
@given(SCENARIOS)
def test_every_slot_lies_on_the_grid_of_weekly_hours_of_its_local_day(scenario):
    zone, rules = scenario["zone"], scenario["rules"]

    for slot in free_slots(**scenario):
        # A repeated wall time is offered at its first occurrence only.
        assert slot.start.astimezone(zone).fold == 0
        assert any(within_hours(slot, hours, zone, rules.slot_step)
                   for hours in scenario["weekly"])


@EXAMPLES
@given(SCENARIOS)
def test_slots_respect_window_minimum_notice_and_horizon(scenario):
    # Arithmetic in UTC: adding to a zoned datetime would move its wall clock.
    rules, now = scenario["rules"], scenario["now"].astimezone(UTC)

    for slot in free_slots(**scenario):
        assert scenario["start"] <= slot.start < scenario["end"]
        assert now + rules.minimum_notice <= slot.start < now + rules.horizon


@EXAMPLES
@given(SCENARIOS)
def test_no_slot_falls_on_a_local_day_that_reached_its_cap(scenario):
    zone, cap = scenario["zone"], scenario["rules"].daily_cap
    per_day = Counter(b.start.astimezone(zone).date()
                      for b in scenario["booked"] if b.counts_toward_cap)

    for slot in free_slots(**scenario):
        assert cap is None or per_day[slot.start.astimezone(zone).date()] < cap


@EXAMPLES
@given(SCENARIOS)
def test_slots_are_sorted_unique_aware_utc_and_last_the_duration(scenario):
    found = free_slots(**scenario)

    starts = [slot.start for slot in found]
    assert starts == sorted(set(starts))
    for slot in found:
        assert slot.start.tzinfo is UTC and slot.end.tzinfo is UTC
        assert slot.end - slot.start == scenario["rules"].duration


@EXAMPLES
@given(SCENARIOS)
def test_every_free_grid_start_is_offered(scenario):
    assert [slot.start for slot in free_slots(**scenario)] == expected_slots(scenario)


@EXAMPLES
@given(SCENARIOS, st.integers(0, 5))
def test_a_limit_returns_a_prefix_of_the_unlimited_slots(scenario, limit):
    assert free_slots(**scenario, limit=limit) == free_slots(**scenario)[:limit]


@EXAMPLES
@given(SCENARIOS, st.integers(0, 4 * DAY_MINUTES))
def test_is_offered_agrees_with_the_offered_slots(scenario, probe_minutes):
    offered = {slot.start for slot in free_slots(**scenario)}
    # Every start that only an obstacle or the cap can rule out, and one arbitrary instant.
    unobstructed = free_slots(**scenario | {"unavailable": [], "booked": []})
    probe = scenario["start"].astimezone(UTC) + timedelta(minutes=probe_minutes)
    probes = [slot.start for slot in unobstructed]
    if scenario["start"] <= probe < scenario["end"]:
        probes.append(probe)

    for start in probes:
        assert is_offered(start, **without_window(scenario)) == (start in offered)
