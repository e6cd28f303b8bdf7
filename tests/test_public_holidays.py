"""Which days the practice closes for public holidays, by federal state and language."""

from datetime import date

import pytest

from booking.public_holidays import holidays_between

CHRISTMAS = (date(2026, 12, 20), date(2026, 12, 31))


def test_berlin_closes_christmas_with_the_eve_and_new_years_eve():
    closed = holidays_between("BE", *CHRISTMAS)
    assert closed == {date(2026, 12, 24): "Heiligabend",
                      date(2026, 12, 25): "Erster Weihnachtstag",
                      date(2026, 12, 26): "Zweiter Weihnachtstag",
                      date(2026, 12, 31): "Silvester"}


def test_names_come_in_english_for_english_pages():
    closed = holidays_between("BE", *CHRISTMAS, locale="en")
    assert closed[date(2026, 12, 25)] == "Christmas Day"
    assert closed[date(2026, 12, 24)] == "Christmas Eve"


def test_a_holiday_of_one_state_is_not_closed_in_another():
    corpus_christi = date(2026, 6, 4)
    assert holidays_between("NW", corpus_christi, corpus_christi) == {
        corpus_christi: "Fronleichnam"}
    assert holidays_between("BE", corpus_christi, corpus_christi) == {}


def test_a_range_across_new_year_takes_both_years():
    closed = holidays_between("BE", date(2026, 12, 31), date(2027, 1, 1))
    assert set(closed) == {date(2026, 12, 31), date(2027, 1, 1)}


def test_no_state_means_no_holidays():
    assert holidays_between("", *CHRISTMAS) == {}


def test_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="federal state"):
        holidays_between("XX", *CHRISTMAS)
