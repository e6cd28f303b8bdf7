"""The rough edges a new visitor met, in a real browser (German phone at 360 px and
English desktop; axe-core clean, CSP clean): Friday evening's picker, the zone search,
a time lost to a second tab, the error summary, a mistyped mail domain, and a reached
rate limit that keeps the form."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

from booking.extensions import limiter
from tests.browser.test_visitor_journey import DESKTOP, check_accessibility
from tests.conftest import FIXED_NOW
from tests.support import berlin
from tests.web.forms import hidden_inputs

pytestmark = pytest.mark.browser

PHONE_360 = {"width": 360, "height": 740}
FRIDAY_EVENING = berlin("2026-06-05", "19:00")
RUNS = [("de", PHONE_360), ("en", DESKTOP)]
TEXTS = {
    "de": {"book": "Kostenfreies Erstgespräch buchen", "taken": "Dieser Termin wurde gerade "
           "vergeben.", "choose": "Bitte wählen Sie einen der freien Termine.",
           "name": "Bitte geben Sie Ihren Namen ein.", "check": "Bitte bestätigen Sie per",
           "skipped": "erste Woche mit freien Terminen", "search": "Stadt oder Land suchen",
           "find": "Suchen", "tokyo": "Tokio", "tokyo_label": "Tokio, Japan (UTC+9)",
           "did_you_mean": "Meinten Sie", "use": "Ja, {} verwenden",
           "limited": "Zu viele Versuche", "again": "erneut senden", "other": "English"},
    "en": {"book": "Book free first consultation", "taken": "This time was just taken.",
           "choose": "Please choose one of the free times.", "name": "Please enter your name.",
           "check": "please confirm by email", "skipped": "first week with free times",
           "search": "Find a city or country", "find": "Search", "tokyo": "Tokyo",
           "tokyo_label": "Tokyo, Japan (UTC+9)", "did_you_mean": "Did you mean",
           "use": "Yes, use {}", "limited": "Too many attempts", "again": "send the form again",
           "other": "Deutsch"},
}


@pytest.fixture(autouse=True)
def fresh_minute(site):
    """Each test starts on the fixed Monday with no rate limit counted yet (they all
    come from one loopback address)."""
    clock = site["app"].extensions["booking.clock"]
    clock.set(FIXED_NOW)
    with site["app"].app_context():
        limiter.reset()
    yield
    clock.set(FIXED_NOW)


def visitor(browser, language: str, viewport: dict, **options):
    context = browser.new_context(viewport=viewport, locale=language,
                                  timezone_id="Europe/Berlin", **options)
    context.set_default_timeout(10_000)
    return context, context.new_page()


def check(page, shots, name: str) -> None:
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size[
        "width"], f"{page.url} scrolls sideways"
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def focus_reaches(page, selector: str) -> bool:
    """True once the element `selector` has the focus: the page's script moves it after
    load, so a loaded machine may take a moment (fails after 5 s)."""
    page.wait_for_function("s => document.activeElement && document.activeElement.matches(s)",
                           arg=selector, timeout=5000)
    return True


def first_slot_url(page, site, language: str, week: str) -> str:
    page.goto(f"{site['url']}/book/emily-carter?lang={language}&tz=Europe/Berlin&week={week}")
    return urljoin(site["url"], page.locator("a.slot").first.get_attribute("href"))


def fill_details(page, name: str, email: str) -> None:
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("input[name=consent]").check()


@pytest.mark.parametrize("language, viewport", RUNS)
def test_on_friday_evening_the_picker_opens_on_a_week_with_free_times(
        site, browser, shots, language, viewport):
    site["app"].extensions["booking.clock"].set(FRIDAY_EVENING)
    context, page = visitor(browser, language, viewport)
    page.goto(f"{site['url']}/book/any?lang={language}&tz=Europe/Berlin")
    page.get_by_text(TEXTS[language]["skipped"]).wait_for()
    assert page.locator("a.slot").count() > 0
    check(page, shots, f"{language}-friday-evening")
    context.close()


@pytest.mark.parametrize("language, viewport", RUNS)
def test_the_zone_is_found_by_city_and_applied(site, browser, shots, language, viewport):
    context, page = visitor(browser, language, viewport)
    texts = TEXTS[language]
    page.goto(f"{site['url']}/book/emily-carter?lang={language}&tz=Europe/Berlin")
    page.get_by_label(texts["search"]).fill(texts["tokyo"])
    page.get_by_role("button", name=texts["find"], exact=True).click()
    check(page, shots, f"{language}-zone-search")
    page.get_by_role("link", name=texts["tokyo_label"]).click()
    page.wait_for_url(re.compile(r"tz=Asia(/|%2F)Tokyo"))
    assert page.locator("select#tz").input_value() == "Asia/Tokyo"
    # Back to Berlin from the list, applied at once (zone.js).
    page.locator("select#tz").select_option("Europe/Berlin")
    page.wait_for_url(re.compile(r"tz=Europe(/|%2F)Berlin"))
    check(page, shots, f"{language}-zone-back")
    context.close()


@pytest.mark.parametrize("language, viewport", RUNS)
def test_a_time_lost_to_a_second_tab_is_recovered_without_a_loop(
        site, browser, shots, language, viewport):
    context, page = visitor(browser, language, viewport)
    texts = TEXTS[language]
    url = first_slot_url(page, site, language, "2026-06-15")
    page.goto(url)
    fill_details(page, "Kim Example", f"kim.lost.{language}@example.org")
    other_tab = context.new_page()
    other_tab.goto(url)
    fill_details(other_tab, "Lou Example", f"lou.first.{language}@example.org")
    other_tab.get_by_role("button", name=texts["book"]).click()
    other_tab.get_by_text(texts["check"]).wait_for()
    other_tab.close()

    page.get_by_role("button", name=texts["book"]).click()
    page.get_by_text(texts["taken"]).wait_for()
    check(page, shots, f"{language}-1-taken")
    # Pressing "book" again without choosing keeps the message and the times.
    page.get_by_role("button", name=texts["book"]).click()
    page.get_by_text(texts["taken"]).wait_for()
    assert page.locator(".error-summary").get_by_text(texts["choose"]).count() == 1
    assert focus_reaches(page, ".error-summary")
    assert page.locator("input[name=start][type=radio]").count() == 3
    check(page, shots, f"{language}-2-choose")
    page.locator(".error-summary a").first.click()
    assert focus_reaches(page, "#start-0")
    page.locator("#start-0").check()
    page.get_by_role("button", name=texts["book"]).click()
    page.get_by_text(texts["check"]).wait_for()
    context.close()


@pytest.mark.parametrize("language, viewport", RUNS)
def test_errors_are_summarised_a_mistyped_domain_is_questioned_and_the_language_stays(
        site, browser, shots, language, viewport):
    context, page = visitor(browser, language, viewport)
    texts = TEXTS[language]
    page.goto(first_slot_url(page, site, language, "2026-06-22"))
    page.locator("#email").fill(f"kim.typo.{language}@gmial.con")
    page.get_by_role("button", name=texts["book"]).click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert focus_reaches(page, ".error-summary")  # read first by a screen reader
    suggestion = f"kim.typo.{language}@gmail.com"
    assert summary.get_by_text(f"{texts['did_you_mean']} {suggestion}?").count() == 1
    check(page, shots, f"{language}-1-errors")
    assert page.get_by_role("link", name=texts["other"]).count() == 1  # the switch stays
    summary.get_by_role("link", name=texts["name"]).click()
    assert focus_reaches(page, "#name")

    fill_details(page, "Kim Example", f"kim.typo.{language}@gmial.con")
    page.get_by_label(texts["use"].format(suggestion)).check()
    check(page, shots, f"{language}-2-did-you-mean")
    page.get_by_role("button", name=texts["book"]).click()
    page.get_by_text(texts["check"]).wait_for()
    context.close()


@pytest.mark.parametrize("language, viewport", RUNS)
def test_a_reached_limit_keeps_the_form_and_says_when(site, browser, shots, language,
                                                      viewport):
    context, page = visitor(browser, language, viewport)
    texts = TEXTS[language]
    url = first_slot_url(page, site, language, "2026-06-29")
    # Five accepted forms from this address within the minute (the browser's too:
    # every client here is 127.0.0.1): one booking, four times lost to it.
    client = site["app"].test_client()
    form = hidden_inputs(client.get(url).get_data(as_text=True))
    for n in range(5):
        answer = client.post(url, data={**form, "name": "Vera", "mode": "alone",
                                        "email": f"v{n}.{language}@example.org",
                                        "consent": "y"})
        assert answer.status_code in (303, 409)
    page.goto(url)
    fill_details(page, "Kim Example", f"kim.limit.{language}@example.org")
    page.locator("#phone").fill("030 1234567")
    page.get_by_role("button", name=texts["book"]).click()
    page.get_by_text(texts["limited"]).wait_for()
    assert texts["again"] in page.locator(".problem").inner_text()
    assert page.locator("#phone").input_value() == "030 1234567"
    assert page.locator("#email").input_value() == f"kim.limit.{language}@example.org"
    check(page, shots, f"{language}-limited")
    context.close()
