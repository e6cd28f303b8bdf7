"""The slot engine, specified by examples.

Dates are chosen around the 2026 daylight-saving changes: Europe/Berlin
springs forward on Sunday 2026-03-29 (02:00 -> 03:00) and falls back on Sunday
2026-10-25 (03:00 -> 02:00); America/New_York on 2026-03-08 and 2026-11-01.
2026-03-02 is a Monday.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.availability import (
    Booked,
    ClosedDays,
    Interval,
    Rules,
    Slot,
    WeeklyHours,
    blocked_interval,
    free_slots,
    is_offered,
)

BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")

MONDAY = date(2026, 3, 2)
TUESDAY = date(2026, 3, 3)
WEDNESDAY = date(2026, 3, 4)
SATURDAY = date(2026, 3, 7)
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def minutes(count: int) -> timedelta:
    return timedelta(minutes=count)


def make_rules(**changes) -> Rules:
    """Rules that let everything through unless a test says otherwise."""
    settings = {
        "duration": minutes(50),
        "minimum_notice": timedelta(0),
        "horizon": timedelta(days=365),
        "slot_step": minutes(60),
    }
    return Rules(**(settings | changes))


def every_day(start: str, end: str) -> list[WeeklyHours]:
    return [WeeklyHours(weekday, time.fromisoformat(start), time.fromisoformat(end))
            for weekday in range(7)]


def weekdays(*spans: tuple[str, str]) -> list[WeeklyHours]:
    return [WeeklyHours(weekday, time.fromisoformat(start), time.fromisoformat(end))
            for weekday in range(5) for start, end in spans]


def at(day: date, wall: str, zone: ZoneInfo = BERLIN) -> datetime:
    """An aware instant from a local wall time (first occurrence when ambiguous)."""
    return datetime.combine(day, time.fromisoformat(wall), zone)


def slots(*, zone: ZoneInfo = BERLIN, weekly=None, unavailable=(), booked=(), rules=None,
          now: datetime = LONG_AGO, days: tuple[date, ...] = (MONDAY,), start=None, end=None,
          limit=None) -> list[Slot]:
    """free_slots over whole local days, with defaults that offer a plain 09-17 week."""
    return free_slots(
        zone=zone,
        weekly=weekdays(("09:00", "17:00")) if weekly is None else weekly,
        unavailable=unavailable,
        booked=booked,
        rules=rules or make_rules(),
        now=now,
        start=start or at(days[0], "00:00", zone),
        end=end or at(days[-1] + timedelta(days=1), "00:00", zone),
        limit=limit,
    )


def local_walls(found: list[Slot], zone: ZoneInfo = BERLIN) -> list[str]:
    return [slot.start.astimezone(zone).strftime("%H:%M") for slot in found]


def local_stamps(found: list[Slot], zone: ZoneInfo = BERLIN) -> list[str]:
    return [slot.start.astimezone(zone).strftime("%Y-%m-%d %H:%M %z") for slot in found]


def booking_at(start: datetime, rules: Rules, counts_toward_cap: bool = True) -> Booked:
    return Booked(start, blocked_interval(start, rules), counts_toward_cap)


LUNCH_GAP = weekdays(("09:00", "12:30"), ("13:30", "17:00"))


class TestWeeklyHours:
    def test_hourly_step_offers_the_starts_whose_session_fits_before_each_break(self):
        found = slots(weekly=LUNCH_GAP, rules=make_rules(slot_step=minutes(60)))

        assert local_walls(found) == ["09:00", "10:00", "11:00", "13:30", "14:30", "15:30"]

    def test_half_hour_step_offers_every_fitting_half_hour(self):
        found = slots(weekly=LUNCH_GAP, rules=make_rules(slot_step=minutes(30)))

        assert local_walls(found) == [
            "09:00", "09:30", "10:00", "10:30", "11:00", "11:30",
            "13:30", "14:00", "14:30", "15:00", "15:30", "16:00",
        ]

    def test_slots_end_after_the_duration_and_are_aware_utc(self):
        found = slots(weekly=LUNCH_GAP)

        assert found[0] == Slot(datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
                                datetime(2026, 3, 2, 8, 50, tzinfo=UTC))
        assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in found)

    def test_a_weekend_without_hours_offers_nothing(self):
        assert slots(weekly=LUNCH_GAP, days=(SATURDAY, SATURDAY + timedelta(days=1))) == []

    def test_overlapping_hours_offer_each_start_once_in_order(self):
        weekly = [WeeklyHours(0, time(10), time(13)), WeeklyHours(0, time(9), time(12))]

        found = slots(weekly=weekly, rules=make_rules(duration=minutes(60)))

        assert local_walls(found) == ["09:00", "10:00", "11:00", "12:00"]

    def test_each_interval_walks_its_own_grid_from_its_own_start(self):
        weekly = [WeeklyHours(0, time(9), time(11)), WeeklyHours(0, time(9, 15), time(11))]

        found = slots(weekly=weekly, rules=make_rules(duration=minutes(45)))

        assert local_walls(found) == ["09:00", "09:15", "10:00", "10:15"]

    def test_window_start_is_inclusive_and_window_end_exclusive(self):
        found = slots(start=at(MONDAY, "10:00"), end=at(MONDAY, "13:00"))

        assert local_walls(found) == ["10:00", "11:00", "12:00"]

    def test_a_window_in_another_zone_means_the_same_instants(self):
        found = slots(start=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                      end=datetime(2026, 3, 2, 11, 0, tzinfo=UTC))

        assert local_walls(found) == ["10:00", "11:00"]


class TestDaylightSavingTime:
    def test_nine_oclock_stays_nine_local_across_the_spring_forward(self):
        found = slots(weekly=every_day("09:00", "17:00"),
                      days=(date(2026, 3, 27), date(2026, 3, 30)))

        friday, monday = found[0], found[-8]
        assert local_stamps([friday, monday]) == ["2026-03-27 09:00 +0100",
                                                  "2026-03-30 09:00 +0200"]
        assert friday.start.time() == time(8) and monday.start.time() == time(7)
        assert local_walls(found[-8:]) == [f"{hour:02}:00" for hour in range(9, 17)]

    def test_nine_oclock_stays_nine_local_across_the_fall_back(self):
        found = slots(weekly=every_day("09:00", "17:00"),
                      days=(date(2026, 10, 23), date(2026, 10, 26)))

        friday, monday = found[0], found[-8]
        assert local_stamps([friday, monday]) == ["2026-10-23 09:00 +0200",
                                                  "2026-10-26 09:00 +0100"]
        assert friday.start.time() == time(7) and monday.start.time() == time(8)

    def test_wall_times_skipped_by_the_spring_forward_are_not_offered(self):
        found = slots(weekly=every_day("01:00", "04:00"), days=(date(2026, 3, 29),),
                      rules=make_rules(duration=minutes(30), slot_step=minutes(30)))

        assert local_stamps(found) == [
            "2026-03-29 01:00 +0100", "2026-03-29 01:30 +0100",
            "2026-03-29 03:00 +0200", "2026-03-29 03:30 +0200",
        ]

    def test_hours_that_lie_wholly_in_the_spring_forward_gap_offer_nothing(self):
        found = slots(weekly=every_day("02:00", "03:00"), days=(date(2026, 3, 29),),
                      rules=make_rules(duration=minutes(30), slot_step=minutes(30)))

        assert found == []

    def test_hours_ending_in_the_gap_close_at_the_moment_the_clocks_jump(self):
        # 01:30 CET + 60 min is 03:30 CEST, past the jump at 02:00 CET = 03:00 CEST.
        found = slots(weekly=every_day("01:00", "02:30"), days=(date(2026, 3, 29),),
                      rules=make_rules(duration=minutes(60), slot_step=minutes(30)))

        assert local_stamps(found) == ["2026-03-29 01:00 +0100"]

    def test_repeated_wall_times_of_the_fall_back_are_offered_once_at_first_occurrence(self):
        found = slots(weekly=every_day("02:00", "03:00"), days=(date(2026, 10, 25),),
                      rules=make_rules(duration=minutes(30), slot_step=minutes(30)))

        assert local_stamps(found) == ["2026-10-25 02:00 +0200", "2026-10-25 02:30 +0200"]
        assert [s.start for s in found] == [datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
                                            datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]

    def test_a_session_across_the_spring_forward_lasts_its_duration_in_absolute_time(self):
        # 01:30 CET + 2 h is 04:30 CEST, past closing; on the wall clock it would read 03:30.
        found = slots(weekly=every_day("01:00", "04:00"), days=(date(2026, 3, 29),),
                      rules=make_rules(duration=minutes(120), slot_step=minutes(30)))

        assert local_stamps(found) == ["2026-03-29 01:00 +0100"]
        assert found[0].end == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)

    def test_lord_howe_skips_only_the_half_hour_its_clocks_jump(self):
        found = slots(zone=LORD_HOWE, weekly=every_day("01:00", "03:00"),
                      days=(date(2026, 10, 4),),
                      rules=make_rules(duration=minutes(30), slot_step=minutes(30)))

        assert local_stamps(found, LORD_HOWE) == [
            "2026-10-04 01:00 +1030", "2026-10-04 01:30 +1030",
            "2026-10-04 02:30 +1100",
        ]

    def test_hours_ending_at_a_repeated_wall_time_end_at_its_first_occurrence(self):
        found = slots(weekly=every_day("01:00", "02:30"), days=(date(2026, 10, 25),),
                      rules=make_rules(duration=minutes(60), slot_step=minutes(30)))

        assert local_stamps(found) == ["2026-10-25 01:00 +0200", "2026-10-25 01:30 +0200"]

    def test_kolkata_hours_map_to_half_hour_offset_utc_instants(self):
        found = slots(zone=KOLKATA, weekly=weekdays(("09:00", "11:00")))

        assert [s.start for s in found] == [datetime(2026, 3, 2, 3, 30, tzinfo=UTC),
                                            datetime(2026, 3, 2, 4, 30, tzinfo=UTC)]

    def test_evening_hours_west_of_utc_belong_to_their_local_day(self):
        # Monday 19:00 in New York is already Tuesday 00:00 UTC.
        found = slots(zone=NEW_YORK, weekly=weekdays(("20:00", "23:00")),
                      start=at(MONDAY, "19:00", NEW_YORK), end=at(TUESDAY, "00:00", NEW_YORK))

        assert [s.start for s in found] == [datetime(2026, 3, 3, hour, tzinfo=UTC)
                                            for hour in (1, 2, 3)]

    @pytest.mark.parametrize(
        ("before", "after", "utc_hour_before", "utc_hour_after"),
        [
            (date(2026, 3, 6), date(2026, 3, 9), 14, 13),  # EST -> EDT
            (date(2026, 10, 30), date(2026, 11, 2), 13, 14),  # EDT -> EST
        ],
    )
    def test_new_york_nine_oclock_follows_its_own_dst_dates(self, before, after,
                                                             utc_hour_before, utc_hour_after):
        found = slots(zone=NEW_YORK, weekly=weekdays(("09:00", "10:00")), days=(before, after))

        assert [s.start for s in found] == [
            datetime.combine(before, time(utc_hour_before), UTC),
            datetime.combine(after, time(utc_hour_after), UTC),
        ]

    def test_minimum_notice_is_absolute_time_even_across_a_dst_change(self):
        # Saturday 12:00 CET + 24 h is Sunday 13:00 CEST, not Sunday 12:00.
        found = slots(weekly=every_day("12:00", "14:00"), days=(date(2026, 3, 29),),
                      now=at(date(2026, 3, 28), "12:00"),
                      rules=make_rules(minimum_notice=timedelta(hours=24)))

        assert local_walls(found) == ["13:00"]


class TestObstacles:
    def test_blocked_interval_reaches_from_buffer_before_to_buffer_after(self):
        rules = make_rules(buffer_before=minutes(10), buffer_after=minutes(15))

        blocked = blocked_interval(at(MONDAY, "10:00"), rules)

        assert blocked == Interval(datetime(2026, 3, 2, 8, 50, tzinfo=UTC),
                                   datetime(2026, 3, 2, 10, 5, tzinfo=UTC))

    def test_a_booking_with_buffers_removes_exactly_the_slots_whose_buffers_touch_it(self):
        rules = make_rules(slot_step=minutes(30), buffer_before=minutes(10),
                           buffer_after=minutes(10))
        # Blocked 11:50-13:00: a candidate's 09:50-11:00 ... 13:20-14:30 stay clear.
        found = slots(booked=[booking_at(at(MONDAY, "12:00"), rules)], rules=rules)

        assert local_walls(found) == [
            "09:00", "09:30", "10:00", "10:30",
            "13:30", "14:00", "14:30", "15:00", "15:30", "16:00",
        ]

    def test_buffers_may_reach_outside_the_weekly_hours(self):
        rules = make_rules(buffer_before=minutes(30), buffer_after=minutes(30))

        found = slots(weekly=weekdays(("09:00", "09:50")), rules=rules)

        assert local_walls(found) == ["09:00"]

    def test_intervals_that_only_touch_do_not_collide(self):
        rules = make_rules(duration=minutes(60))

        found = slots(booked=[booking_at(at(MONDAY, "10:00"), rules)], rules=rules,
                      end=at(MONDAY, "12:00"))

        assert local_walls(found) == ["09:00", "11:00"]

    def test_overlapping_obstacles_block_their_whole_union(self):
        rules = make_rules()
        short = booking_at(at(MONDAY, "10:00"), rules)
        # A longer session type that starts inside the first one and outlasts it.
        long = Booked(at(MONDAY, "10:30"), Interval(at(MONDAY, "10:30"), at(MONDAY, "11:40")))

        found = slots(booked=[short, long], rules=rules, end=at(MONDAY, "13:00"))

        assert local_walls(found) == ["09:00", "12:00"]

    def test_an_obstacle_before_the_earliest_start_still_blocks_through_the_buffer(self):
        rules = make_rules(minimum_notice=minutes(60), buffer_before=minutes(15))
        time_off = Interval(at(MONDAY, "08:30"), at(MONDAY, "08:50"))

        found = slots(unavailable=[time_off], rules=rules, now=at(MONDAY, "08:00"))

        assert local_walls(found)[0] == "10:00"

    def test_time_off_removes_the_slots_it_overlaps(self):
        time_off = Interval(at(MONDAY, "10:30"), at(MONDAY, "12:10"))

        found = slots(unavailable=[time_off])

        assert local_walls(found) == ["09:00", "13:00", "14:00", "15:00", "16:00"]

    def test_obstacles_given_in_other_zones_block_the_same_instants(self):
        busy = Interval(datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
                        datetime(2026, 3, 2, 9, 45, tzinfo=UTC))
        kolkata_booking = Booked(
            datetime(2026, 3, 2, 18, 30, tzinfo=KOLKATA),
            Interval(datetime(2026, 3, 2, 18, 30, tzinfo=KOLKATA),
                     datetime(2026, 3, 2, 19, 20, tzinfo=KOLKATA)),
        )

        found = slots(unavailable=[busy], booked=[kolkata_booking])

        assert local_walls(found) == ["09:00", "11:00", "12:00", "13:00", "15:00", "16:00"]

    def test_one_long_obstacle_blocks_everything_it_spans(self):
        time_off = Interval(at(MONDAY, "08:00"), at(WEDNESDAY, "12:00"))

        found = slots(unavailable=[time_off], days=(MONDAY, WEDNESDAY))

        assert local_stamps(found)[0] == "2026-03-04 12:00 +0100"


class TestNoticeAndHorizon:
    def test_a_start_exactly_at_the_minimum_notice_is_offered(self):
        found = slots(now=at(MONDAY, "08:00"), rules=make_rules(minimum_notice=minutes(60)))

        assert local_walls(found)[0] == "09:00"

    def test_a_start_just_inside_the_minimum_notice_is_not(self):
        rules = make_rules(minimum_notice=minutes(60) + timedelta(microseconds=1))

        found = slots(now=at(MONDAY, "08:00"), rules=rules)

        assert local_walls(found)[0] == "10:00"

    def test_a_start_exactly_at_the_horizon_is_not_offered(self):
        found = slots(now=at(MONDAY, "08:00"), rules=make_rules(horizon=timedelta(hours=4)))

        assert local_walls(found) == ["09:00", "10:00", "11:00"]

    def test_a_start_just_before_the_horizon_is(self):
        rules = make_rules(horizon=timedelta(hours=4, microseconds=1))

        found = slots(now=at(MONDAY, "08:00"), rules=rules)

        assert local_walls(found) == ["09:00", "10:00", "11:00", "12:00"]


class TestDailyCap:
    def test_a_day_that_reached_its_cap_offers_nothing_and_other_days_stay_open(self):
        rules = make_rules(daily_cap=2)
        booked = [booking_at(at(TUESDAY, "09:00"), rules), booking_at(at(TUESDAY, "16:00"), rules)]

        found = slots(booked=booked, rules=rules, days=(MONDAY, WEDNESDAY))

        days = {s.start.astimezone(BERLIN).date() for s in found}
        assert days == {MONDAY, WEDNESDAY}
        assert len(found) == 16

    def test_a_day_below_its_cap_stays_open(self):
        rules = make_rules(daily_cap=2)

        found = slots(booked=[booking_at(at(TUESDAY, "09:00"), rules)], rules=rules,
                      days=(TUESDAY,))

        assert local_walls(found) == ["10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"]

    def test_bookings_that_do_not_count_toward_the_cap_leave_the_day_open(self):
        rules = make_rules(daily_cap=1)
        paid = booking_at(at(TUESDAY, "09:00"), rules, counts_toward_cap=False)

        found = slots(booked=[paid], rules=rules, days=(TUESDAY,))

        assert local_walls(found)[0] == "10:00"

    def test_the_cap_counts_the_therapists_local_day_not_the_utc_day(self):
        rules = make_rules(daily_cap=1)
        # Monday 23:30 UTC is Tuesday 00:30 in Berlin.
        late = booking_at(datetime(2026, 3, 2, 23, 30, tzinfo=UTC), rules)

        found = slots(booked=[late], rules=rules, days=(MONDAY, TUESDAY))

        assert {s.start.astimezone(BERLIN).date() for s in found} == {MONDAY}


class TestLimit:
    def test_limit_returns_the_earliest_slots(self):
        found = slots(limit=2, days=(MONDAY, WEDNESDAY))

        assert local_stamps(found) == ["2026-03-02 09:00 +0100", "2026-03-02 10:00 +0100"]

    def test_first_free_time_is_found_past_fully_blocked_days(self):
        time_off = Interval(at(MONDAY, "00:00"), at(TUESDAY, "15:00"))

        found = slots(unavailable=[time_off], limit=1, days=(MONDAY, WEDNESDAY))

        assert local_stamps(found) == ["2026-03-03 15:00 +0100"]

    def test_a_limit_of_zero_returns_nothing(self):
        assert slots(limit=0) == []


class TestIsOffered:
    @staticmethod
    def offered(slot_start: datetime, *, booked=(), now: datetime = LONG_AGO,
                rules: Rules | None = None) -> bool:
        return is_offered(slot_start, zone=BERLIN, weekly=LUNCH_GAP, unavailable=(),
                          booked=booked, rules=rules or make_rules(), now=now)

    def test_an_offered_start_is_offered(self):
        assert self.offered(at(MONDAY, "10:00"))

    def test_an_offered_start_written_in_another_zone_is_offered(self):
        assert self.offered(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def test_a_start_off_the_step_grid_is_not_offered(self):
        assert not self.offered(at(MONDAY, "10:10"))

    def test_a_start_in_the_past_is_not_offered(self):
        assert not self.offered(at(MONDAY, "10:00"), now=at(MONDAY, "10:30"))

    def test_a_start_overlapping_a_booking_is_not_offered(self):
        booked = [booking_at(at(MONDAY, "10:30"), make_rules())]

        assert not self.offered(at(MONDAY, "10:00"), booked=booked)

    def test_a_start_whose_buffer_before_reaches_a_booking_is_not_offered(self):
        rules = make_rules(buffer_before=minutes(15))
        # Blocked 09:45-10:50; a 11:00 start blocks from 10:45.
        booked = [booking_at(at(MONDAY, "10:00"), rules)]

        assert not self.offered(at(MONDAY, "11:00"), booked=booked, rules=rules)

    def test_a_start_whose_buffer_after_reaches_a_booking_is_not_offered(self):
        rules = make_rules(buffer_after=minutes(15))
        # A 10:00 start blocks until 11:05; the booking at 11:00 starts before that.
        booked = [booking_at(at(MONDAY, "11:00"), rules)]

        assert not self.offered(at(MONDAY, "10:00"), booked=booked, rules=rules)

    def test_a_start_whose_session_runs_into_the_break_is_not_offered(self):
        assert not self.offered(at(MONDAY, "12:00"))


class TestInputs:
    @pytest.mark.parametrize("field", ["now", "start", "end"])
    def test_naive_datetimes_are_rejected(self, field):
        naive = {"now": LONG_AGO, "start": at(MONDAY, "00:00"), "end": at(TUESDAY, "00:00")}
        naive[field] = naive[field].replace(tzinfo=None)

        with pytest.raises(ValueError, match=field):
            slots(**naive)

    def test_a_naive_start_to_recheck_is_rejected(self):
        with pytest.raises(ValueError, match="slot_start"):
            is_offered(datetime(2026, 3, 2, 10), zone=BERLIN, weekly=LUNCH_GAP, unavailable=(),
                       booked=(), rules=make_rules(), now=LONG_AGO)

    def test_naive_intervals_are_rejected(self):
        with pytest.raises(ValueError, match="aware"):
            Interval(datetime(2026, 3, 2, 10), datetime(2026, 3, 2, 11))

    @pytest.mark.parametrize("change", [
        {"duration": timedelta(0)},
        {"slot_step": timedelta(0)},
        {"buffer_after": minutes(-5)},
        {"daily_cap": 0},
    ])
    def test_rules_that_cannot_produce_sensible_slots_are_rejected(self, change):
        with pytest.raises(ValueError):
            make_rules(**change)

    def test_weekly_hours_must_end_after_they_start(self):
        with pytest.raises(ValueError):
            WeeklyHours(0, time(17), time(9))


# Closed days (holidays, the practice's closing days) are whole days in Berlin.

def test_no_slot_is_offered_on_a_closed_day():
    closed = ClosedDays(frozenset({TUESDAY}), BERLIN)
    offered = slots(days=(MONDAY, TUESDAY, WEDNESDAY), rules=make_rules())
    left = free_slots(zone=BERLIN, weekly=weekdays(("09:00", "17:00")), unavailable=(),
                      booked=(), rules=make_rules(), now=LONG_AGO, start=at(MONDAY, "00:00"),
                      end=at(SATURDAY, "00:00"), closed=closed)
    assert {s.start.astimezone(BERLIN).date() for s in left} == {
        MONDAY, WEDNESDAY, date(2026, 3, 5), date(2026, 3, 6)}
    assert all(s in left for s in offered if s.start.astimezone(BERLIN).date() != TUESDAY)


def test_a_closed_day_is_the_practice_days_whatever_the_therapists_zone():
    # 17:00-18:00 in New York is 23:00-24:00 on Monday in Berlin (open), and
    # 18:00-19:00 is Tuesday 00:00-01:00 in Berlin (closed).
    closed = ClosedDays(frozenset({TUESDAY}), BERLIN)
    found = free_slots(zone=NEW_YORK, weekly=[WeeklyHours(0, time(17), time(19))],
                       unavailable=(), booked=(), rules=make_rules(), now=LONG_AGO,
                       start=at(MONDAY, "00:00", NEW_YORK), end=at(TUESDAY, "00:00", NEW_YORK),
                       closed=closed)
    assert [s.start for s in found] == [at(MONDAY, "17:00", NEW_YORK)]


def test_consecutive_closed_days_are_one_interval_from_midnight_to_midnight():
    closed = ClosedDays(frozenset({MONDAY, TUESDAY, date(2026, 3, 29)}), BERLIN)
    assert closed.intervals == (
        Interval(at(MONDAY, "00:00"), at(WEDNESDAY, "00:00")),
        # the day the clocks spring forward has 23 hours
        Interval(at(date(2026, 3, 29), "00:00"), at(date(2026, 3, 30), "00:00")))
    assert closed.intervals[1].end - closed.intervals[1].start == timedelta(hours=23)


def test_is_offered_refuses_a_start_on_a_closed_day():
    closed = ClosedDays(frozenset({MONDAY}), BERLIN)
    kwargs = {"zone": BERLIN, "weekly": weekdays(("09:00", "17:00")), "unavailable": (),
              "booked": (), "rules": make_rules(), "now": LONG_AGO}
    assert is_offered(at(MONDAY, "09:00"), **kwargs)
    assert not is_offered(at(MONDAY, "09:00"), **kwargs, closed=closed)
