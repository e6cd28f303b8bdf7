"""The per-worker cache of whole answers: bounded, and an entry is only given back
for the same schedule version, the same settings and before its time is up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from booking.web.answer_cache import AnswerCache, Entry, end_of_minute

NOW = datetime(2026, 6, 1, 8, 0, 30, tzinfo=UTC)
SETTINGS = object()


def entry(version=(1, 1, 1), settings=SETTINGS, valid_until=NOW) -> Entry:
    return Entry(version=version, settings=settings, valid_until=valid_until,
                 status=200, headers=(("Content-Type", "text/html"),), body=b"page")


def test_an_entry_is_given_back_only_for_its_version_settings_and_time():
    cache = AnswerCache()
    cache.put(("team", "/book?", "de"), entry())
    assert cache.get(("team", "/book?", "de"), (1, 1, 1), SETTINGS, NOW) is not None
    assert cache.get(("team", "/book?", "en"), (1, 1, 1), SETTINGS, NOW) is None
    assert cache.get(("team", "/book?", "de"), (1, 2, 1), SETTINGS, NOW) is None
    cache.put(("team", "/book?", "de"), entry())
    assert cache.get(("team", "/book?", "de"), (1, 1, 1), object(), NOW) is None
    cache.put(("team", "/book?", "de"), entry())
    later = NOW + timedelta(microseconds=1)
    assert cache.get(("team", "/book?", "de"), (1, 1, 1), SETTINGS, later) is None


def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used():
    cache = AnswerCache(size=2)
    for name in ("a", "b"):
        cache.put((name, "", "de"), entry())
    assert cache.get(("a", "", "de"), (1, 1, 1), SETTINGS, NOW) is not None
    cache.put(("c", "", "de"), entry())  # b was used least recently
    assert cache.get(("b", "", "de"), (1, 1, 1), SETTINGS, NOW) is None
    assert cache.get(("a", "", "de"), (1, 1, 1), SETTINGS, NOW) is not None


def test_answers_are_kept_to_the_end_of_the_minute_at_most():
    assert end_of_minute(NOW) == datetime(2026, 6, 1, 8, 1, tzinfo=UTC)
