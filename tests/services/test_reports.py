"""Which articles bring bookings: counts per month and source, the CSV, the chart."""

import csv
import io
import itertools
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest

from booking.extensions import db
from booking.models import Booking, BookingStatus
from booking.services.bookings import cancel_by_visitor, confirm_booking, expire_all_lapsed
from booking.services.reports import (
    SourceMonth,
    as_csv,
    cta_report,
    last_months,
    sources_by_total,
)
from booking.web.chart import MIN_WIDTH, bar_chart_svg
from tests.support import BERLIN, berlin

MARCH, APRIL, MAY, JUNE = (date(2026, month, 1) for month in (3, 4, 5, 6))
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def booking_from(make_booking):
    """Book a slot now, by a new visitor with a therapist of their own, through `source`;
    `made_at` moves the booking's creation to another time afterwards."""
    emails = (f"visitor{n}@example.org" for n in itertools.count())

    def booking_from(source: str = "", *, made_at: datetime | None = None) -> Booking:
        booking = make_booking(email=next(emails), cta_source=source)
        if made_at:
            booking.created_at = made_at
            db.session.commit()
        return booking

    return booking_from


@pytest.fixture
def confirm(clock, policy, token_of):
    def confirm(booking: Booking) -> Booking:
        return confirm_booking(token_of(booking), now=clock.now(), policy=policy)

    return confirm


def test_bookings_and_confirmations_are_counted_per_month_and_source(booking_from, confirm):
    confirm(booking_from("blog/angst"))
    confirm(booking_from("blog/angst"))
    booking_from("blog/angst")
    confirm(booking_from("blog/paar"))
    booking_from("")
    confirm(booking_from("blog/paar", made_at=berlin("2026-05-12", "18:00")))
    assert cta_report(months=[MAY, JUNE], zone=BERLIN) == [
        SourceMonth(MAY, "blog/paar", bookings=1, confirmations=1),
        SourceMonth(JUNE, "blog/angst", bookings=3, confirmations=2),
        SourceMonth(JUNE, "", bookings=1, confirmations=0),  # a tie: by source name
        SourceMonth(JUNE, "blog/paar", bookings=1, confirmations=1),
    ]


def test_a_confirmation_counts_in_the_month_the_booking_was_made(booking_from, confirm, clock):
    clock.set(berlin("2026-05-31", "23:50"))
    booking = booking_from("blog/angst")
    clock.set(berlin("2026-06-01", "00:05"))
    confirm(booking)
    assert cta_report(months=[MAY, JUNE], zone=BERLIN) == [SourceMonth(MAY, "blog/angst", 1, 1)]


def test_a_booking_counts_for_the_month_it_was_made_in_the_practice_zone(booking_from):
    late = booking_from("late", made_at=berlin("2026-03-31", "23:30"))
    early = booking_from("early", made_at=berlin("2026-04-01", "00:30"))
    assert (late.created_at, early.created_at) == (datetime(2026, 3, 31, 21, 30, tzinfo=UTC),
                                                   datetime(2026, 3, 31, 22, 30, tzinfo=UTC))
    assert cta_report(months=[MARCH, APRIL], zone=BERLIN) == [
        SourceMonth(MARCH, "late", 1, 0), SourceMonth(APRIL, "early", 1, 0)]


def test_the_window_opens_and_closes_at_local_midnight(booking_from):
    booking_from("late", made_at=berlin("2026-03-31", "23:30"))
    booking_from("early", made_at=berlin("2026-04-01", "00:30"))
    booking_from("next", made_at=berlin("2026-05-01", "00:30"))
    assert cta_report(months=[APRIL], zone=BERLIN) == [SourceMonth(APRIL, "early", 1, 0)]
    assert cta_report(months=[MARCH], zone=BERLIN) == [SourceMonth(MARCH, "late", 1, 0)]


def test_a_december_window_reaches_to_new_years_eve_midnight(booking_from):
    booking_from("late", made_at=berlin("2025-12-31", "23:30"))
    booking_from("new year", made_at=berlin("2026-01-01", "00:30"))
    december = date(2025, 12, 1)
    assert cta_report(months=[december], zone=BERLIN) == [SourceMonth(december, "late", 1, 0)]


def test_expired_and_cancelled_bookings_count_and_only_confirmed_ones_as_confirmations(
        booking_from, confirm, clock, token_of, policy):
    lapsed = booking_from("blog/angst")
    withdrawn = booking_from("blog/angst")
    cancel_by_visitor(token_of(withdrawn), reason="", now=clock.now(), policy=policy)
    changed_mind = confirm(booking_from("blog/angst"))
    cancel_by_visitor(token_of(changed_mind), reason="", now=clock.now(), policy=policy)
    clock.advance(policy.hold)
    expire_all_lapsed(clock.now())
    assert [lapsed.status, withdrawn.status, changed_mind.status] == [
        BookingStatus.EXPIRED, BookingStatus.CANCELLED, BookingStatus.CANCELLED]
    # Confirmed once is confirmed: the article brought a person who meant it.
    assert cta_report(months=[JUNE], zone=BERLIN) == [SourceMonth(JUNE, "blog/angst", 3, 1)]


def test_months_outside_the_window_and_months_without_bookings_are_left_out(booking_from):
    booking_from("march", made_at=berlin("2026-03-15", "12:00"))
    booking_from("may", made_at=berlin("2026-05-15", "12:00"))
    booking_from("june")
    assert cta_report(months=[APRIL, MAY, JUNE], zone=BERLIN) == [
        SourceMonth(MAY, "may", 1, 0), SourceMonth(JUNE, "june", 1, 0)]
    assert cta_report(months=[MARCH, JUNE], zone=BERLIN) == [
        SourceMonth(MARCH, "march", 1, 0), SourceMonth(JUNE, "june", 1, 0)]


def test_last_months_reach_back_across_the_year_boundary_oldest_first():
    assert last_months(date(2026, 2, 17), 4) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    assert last_months(date(2025, 12, 31), 1) == [date(2025, 12, 1)]


def test_last_months_default_to_a_year_ending_with_this_month():
    months = last_months(date(2026, 6, 30))
    assert (len(months), months[0], months[-1]) == (12, date(2025, 7, 1), JUNE)


def test_sources_are_ordered_by_total_bookings_then_by_name():
    rows = [SourceMonth(MAY, "b", 2, 0), SourceMonth(MAY, "c", 1, 0), SourceMonth(JUNE, "a", 3, 0),
            SourceMonth(JUNE, "b", 2, 0), SourceMonth(JUNE, "c", 2, 0)]
    assert sources_by_total(rows) == ["b", "a", "c"]


def test_the_csv_has_a_header_and_a_row_per_month_and_source():
    rows = [SourceMonth(MAY, "blog/paar", 2, 1), SourceMonth(JUNE, "", 1, 0),
            SourceMonth(JUNE, "news,letter", 1, 1)]
    assert as_csv(rows) == ("month,source,bookings,confirmations\r\n"
                            "2026-05,blog/paar,2,1\r\n"
                            "2026-06,,1,0\r\n"
                            '2026-06,"news,letter",1,1\r\n')


@pytest.mark.parametrize("source", ['=HYPERLINK("https://evil.example","Click")', "+1+1",
                                    "-1+1", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_source_a_spreadsheet_would_run_as_a_formula_gets_a_leading_apostrophe(source):
    text = as_csv([SourceMonth(JUNE, source, 1, 0)])
    [_, row] = csv.reader(io.StringIO(text, newline=""))
    assert row == ["2026-06", f"'{source}", "1", "0"]


def chart(rows, months, **texts) -> ET.Element:
    texts = {"title": "Bookings per month", "month_label": lambda month: f"{month:%b %Y}",
             "bookings_label": "Bookings", "confirmations_label": "Confirmed", **texts}
    return ET.fromstring(bar_chart_svg(rows, months, **texts))


def bars(svg: ET.Element) -> list[list[ET.Element]]:
    return [group.findall(f"{SVG}rect") for group in svg.findall(f"{SVG}g[@class='month']")]


def test_the_chart_escapes_hostile_text():
    hostile = "<script>alert('x')</script> & \x0b"
    markup = bar_chart_svg([SourceMonth(JUNE, hostile, 1, 0)], [JUNE], title=hostile,
                           month_label=lambda month: hostile, bookings_label=hostile,
                           confirmations_label=hostile)
    assert "<script" not in markup
    svg = ET.fromstring(markup)
    assert svg.find(f"{SVG}title").text == "<script>alert('x')</script> & "
    assert not [name for element in svg.iter() for name in element.attrib
                if name.startswith("on")]


def test_the_chart_is_a_scalable_labelled_image_with_a_pair_of_bars_per_month():
    rows = [SourceMonth(MAY, "a", 2, 1), SourceMonth(MAY, "b", 2, 0), SourceMonth(JUNE, "a", 1, 1)]
    svg = chart(rows, [APRIL, MAY, JUNE])
    assert (svg.get("role"), svg.get("width")) == ("img", "100%")
    assert svg.get("viewBox").startswith("0 0 ")
    title = svg.find(f"{SVG}title")
    assert (title.get("id"), title.text) == (svg.get("aria-labelledby"), "Bookings per month")
    assert [[bar.get("class") for bar in pair] for pair in bars(svg)] == [
        ["bookings", "confirmations"]] * 3
    assert [[text.text for text in group.findall(f"{SVG}text")]
            for group in svg.findall(f"{SVG}g[@class='month']")] == [
        ["0", "0", "Apr 2026"], ["4", "1", "May 2026"], ["1", "1", "Jun 2026"]]


def test_the_legend_stands_over_the_newest_months_where_a_phone_opens_the_chart():
    # The chart scrolls sideways on a phone and opens at its right-hand end (the newest
    # months); a legend at the left showed there as "tigt", the end of "Bestätigt".
    months = [date(2026, m, 1) for m in range(1, 13)]
    svg = chart([], months)
    width = float(svg.get("viewBox").split()[2])
    legend = svg.find(f"{SVG}g[@class='legend']")
    swatches = [float(rect.get("x")) for rect in legend.findall(f"{SVG}rect")]
    labels = legend.findall(f"{SVG}text")
    assert [text.text for text in labels] == ["Bookings", "Confirmed"]
    assert all(text.get("text-anchor") == "end" for text in labels)
    assert min(swatches) >= width - MIN_WIDTH and max(swatches) + 12 <= width


def test_bar_heights_scale_to_the_largest_value():
    def heights(peak: int) -> list[list[float]]:
        svg = chart([SourceMonth(MAY, "a", peak, peak // 2), SourceMonth(JUNE, "a", peak // 4, 0)],
                    [MAY, JUNE])
        return [[float(bar.get("height")) for bar in pair] for pair in bars(svg)]

    tallest = heights(4)[0][0]
    assert tallest > 0
    assert heights(4) == heights(400) == [[tallest, tallest / 2], [tallest / 4, 0]]


def test_a_chart_without_bookings_still_renders_with_empty_bars():
    svg = chart([], last_months(JUNE))
    assert len(bars(svg)) == 12
    assert {float(bar.get("height")) for pair in bars(svg) for bar in pair} == {0}
