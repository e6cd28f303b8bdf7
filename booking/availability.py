"""The slot engine: which consultation starts a therapist can offer.

Pure domain code: no Flask, no database, no clock. The caller passes the
therapist's weekly hours (local wall times in their IANA zone), the intervals
that are not available, the existing bookings, the rules and `now`. The same
function answers the slot picker, the API and the re-check inside the booking
transaction, so a start that was shown is judged by the same code when posted.

Weekly hours are wall-clock times: a 09:00-17:00 rule stays 09:00-17:00 local
on both sides of a daylight-saving change. Everything the engine returns is
an aware datetime in UTC, and all arithmetic on instants happens in UTC,
because adding a timedelta to a datetime with a ZoneInfo tzinfo moves the wall
clock rather than the instant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The smallest step between two datetimes: a window this wide holds one instant.
_RESOLUTION = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """One interval of a weekday in the therapist's local wall time."""

    weekday: int  # 0 = Monday ... 6 = Sunday, as date.weekday()
    start: time  # naive local wall time in the therapist's zone
    end: time  # naive local wall time, end > start (no interval crosses midnight)

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("weekly hours are naive local wall times")
        if self.end <= self.start:
            raise ValueError(f"weekly hours must end after they start: {self.start}-{self.end}")


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span [start, end) of aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(start=self.start, end=self.end)
        if self.end <= self.start:
            raise ValueError(f"interval must end after it starts: {self.start}-{self.end}")

    def overlaps(self, other: Interval) -> bool:
        """True when the two half-open intervals share at least one instant."""
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Rules:
    """How a therapist wants to be booked, for one session duration."""

    duration: timedelta
    minimum_notice: timedelta
    horizon: timedelta
    slot_step: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    daily_cap: int | None = None  # bookings that count per local day; None = no cap

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0) or self.slot_step <= timedelta(0):
            raise ValueError("duration and slot step must be positive")
        if min(self.buffer_before, self.buffer_after, self.minimum_notice,
               self.horizon) < timedelta(0):
            raise ValueError("buffers, minimum notice and horizon must not be negative")
        if self.daily_cap is not None and self.daily_cap < 1:
            raise ValueError("a daily cap must be at least 1 (None means no cap)")


@dataclass(frozen=True, slots=True)
class Booked:
    """An existing active booking as the engine sees it."""

    start: datetime  # the session start (aware), decides the local day for the cap
    blocked: Interval  # its blocked interval, buffers included
    counts_toward_cap: bool = True

    def __post_init__(self) -> None:
        _require_aware(start=self.start)


@dataclass(frozen=True, slots=True)
class ClosedDays:
    """Whole days on which nobody can be booked (public holidays, the practice's
    closing days), as calendar dates in `zone`: the practice's zone, not each
    therapist's, because the practice closes on its own local days."""

    days: frozenset[date]
    zone: ZoneInfo
    # The days as UTC intervals from local midnight to local midnight, consecutive
    # days as one: built once, as one ClosedDays serves a whole team's computation.
    intervals: tuple[Interval, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        merged: list[Interval] = []
        for day in sorted(self.days):
            start = _midnight(day, self.zone)
            end = _midnight(day + timedelta(days=1), self.zone)
            if merged and merged[-1].end == start:
                merged[-1] = Interval(merged[-1].start, end)
            else:
                merged.append(Interval(start, end))
        object.__setattr__(self, "intervals", tuple(merged))


@dataclass(frozen=True, slots=True)
class Slot:
    """A start a visitor may book, and where the session ends."""

    start: datetime  # aware, in UTC
    end: datetime  # start + rules.duration, UTC


def blocked_interval(start: datetime, rules: Rules) -> Interval:
    """[start - buffer_before, start + duration + buffer_after): what a booking at `start` occupies.

    Returned in UTC.
    """
    _require_aware(start=start)
    start = start.astimezone(UTC)
    return Interval(start - rules.buffer_before, start + rules.duration + rules.buffer_after)


def free_slots(*, zone: ZoneInfo, weekly: Iterable[WeeklyHours], unavailable: Iterable[Interval],
               booked: Iterable[Booked], rules: Rules, now: datetime,
               start: datetime, end: datetime, limit: int | None = None,
               closed: ClosedDays | None = None) -> list[Slot]:
    """Free slots whose start lies in [start, end), sorted by start, unique.

    At most `limit` slots when given; the computation stops as soon as it has them.

    A slot is offered when it lies inside the weekly hours of its local day, on
    the slot-step grid of its rule, within the minimum notice and the horizon
    counted from `now`, on a local day whose daily cap is not reached, and
    when its blocked interval (buffers included) overlaps neither an
    `unavailable` interval, nor a `closed` day, nor an existing booking. Raises
    ValueError for naive datetimes.
    """
    _require_aware(now=now, start=start, end=end)
    if limit is not None and limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    now = now.astimezone(UTC)
    earliest = max(start.astimezone(UTC), now + rules.minimum_notice)
    latest = min(end.astimezone(UTC), now + rules.horizon)
    if earliest >= latest or limit == 0:
        return []
    booked = list(booked)
    obstacles = _Obstacles(
        [*unavailable, *(closed.intervals if closed else ()), *(b.blocked for b in booked)],
        # A candidate's blocked interval reaches from earliest - buffer_before
        # to latest + duration + buffer_after; nothing outside it can collide.
        earliest - rules.buffer_before,
        latest + rules.duration + rules.buffer_after,
    )
    slots = []
    for slot_start in _candidates(zone, weekly, booked, rules, earliest, latest):
        if obstacles.leave_free(slot_start - rules.buffer_before,
                                slot_start + rules.duration + rules.buffer_after):
            slots.append(Slot(slot_start, slot_start + rules.duration))
            if len(slots) == limit:
                break
    return slots


def is_offered(slot_start: datetime, *, zone: ZoneInfo, weekly: Iterable[WeeklyHours],
               unavailable: Iterable[Interval], booked: Iterable[Booked], rules: Rules,
               now: datetime, closed: ClosedDays | None = None) -> bool:
    """True when free_slots would offer exactly this start (used to re-check a posted start)."""
    _require_aware(slot_start=slot_start)
    slot_start = slot_start.astimezone(UTC)
    return bool(free_slots(zone=zone, weekly=weekly, unavailable=unavailable, booked=booked,
                           rules=rules, now=now, start=slot_start,
                           end=slot_start + _RESOLUTION, limit=1, closed=closed))


def _candidates(zone: ZoneInfo, weekly: Iterable[WeeklyHours], booked: list[Booked],
                rules: Rules, earliest: datetime, latest: datetime) -> Iterator[datetime]:
    """Grid starts in [earliest, latest) that fit their weekly hours, ascending, in UTC.

    Days are walked in order and a local day's instants all lie before the next
    day's, so sorting within a day keeps the whole stream sorted.
    """
    by_weekday: dict[int, list[WeeklyHours]] = {}
    for hours in weekly:
        by_weekday.setdefault(hours.weekday, []).append(hours)
    full = _full_days(booked, zone, rules.daily_cap)
    day = earliest.astimezone(zone).date()
    last_day = (latest - _RESOLUTION).astimezone(zone).date()
    while day <= last_day:
        if day not in full:
            for slot_start in _day_starts(day, by_weekday.get(day.weekday(), ()), zone, rules):
                if earliest <= slot_start < latest:
                    yield slot_start
        day += timedelta(days=1)


def _day_starts(day: date, hours: Iterable[WeeklyHours], zone: ZoneInfo,
                rules: Rules) -> list[datetime]:
    """The starts of one local day whose session ends by the end of its hours, sorted, unique."""
    starts = set()
    for rule in hours:
        closes = _closing_instant(datetime.combine(day, rule.end), zone)
        wall = datetime.combine(day, rule.start)
        last_wall = datetime.combine(day, rule.end)
        while wall < last_wall:
            instant = _existing_instant(wall, zone)
            if instant is not None:
                # fold=0 instants grow with the wall time, so later ones end later too.
                if instant + rules.duration > closes:
                    break
                starts.add(instant)
            wall += rules.slot_step
    return sorted(starts)


def _existing_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a naive wall time (first occurrence), or None in a DST gap."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def _closing_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant weekly hours end at: the wall time, or the jump when it falls in a gap."""
    instant = _existing_instant(wall, zone)
    return instant if instant is not None else _transition_over(wall, zone)


def _transition_over(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant the clocks jump forward over `wall`, a wall time that does not exist.

    zoneinfo exposes no transitions, but it reads a gap time with the offset
    before the jump (fold=0, an instant after it) or after it (fold=1, before
    it), so the jump lies between the two and is found by bisection in seconds.
    """
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    new_offset = after.astimezone(zone).utcoffset()
    low, high = 0, int((after - before).total_seconds())
    while high - low > 1:
        middle = (low + high) // 2
        if (before + timedelta(seconds=middle)).astimezone(zone).utcoffset() == new_offset:
            high = middle
        else:
            low = middle
    return before + timedelta(seconds=high)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day begins."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _full_days(booked: Iterable[Booked], zone: ZoneInfo, daily_cap: int | None) -> set[date]:
    """The therapist's local dates whose bookings already reach the daily cap."""
    if daily_cap is None:
        return set()
    counts = Counter(b.start.astimezone(zone).date() for b in booked if b.counts_toward_cap)
    return {day for day, count in counts.items() if count >= daily_cap}


def _require_aware(**values: datetime) -> None:
    """Reject naive datetimes: read as local or UTC, they would shift slots silently."""
    for name, value in values.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name} must be timezone-aware, got {value!r}")


class _Obstacles:
    """The busy time of one computation, merged once and swept with ascending queries."""

    def __init__(self, intervals: Iterable[Interval], low: datetime, high: datetime) -> None:
        relevant = sorted(
            (i.start.astimezone(UTC), i.end.astimezone(UTC))
            for i in intervals
            if i.end > low and i.start < high
        )
        self._merged: list[tuple[datetime, datetime]] = []
        for start, end in relevant:
            if self._merged and start <= self._merged[-1][1]:
                merged_start, merged_end = self._merged[-1]
                self._merged[-1] = (merged_start, max(merged_end, end))
            else:
                self._merged.append((start, end))
        self._next = 0

    def leave_free(self, start: datetime, end: datetime) -> bool:
        """True when [start, end) overlaps no obstacle.

        Queries must come with non-decreasing `start`: merged intervals are
        disjoint and sorted, so those ending by `start` can never matter again.
        """
        merged = self._merged
        while self._next < len(merged) and merged[self._next][1] <= start:
            self._next += 1
        return self._next == len(merged) or merged[self._next][0] >= end
