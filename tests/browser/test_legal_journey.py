"""The Impressum and the privacy notice in a real browser: a visitor finds both from
any page's footer (German on a phone, English on a desktop), and the admin fills in
the Impressum with a preview before saving it."""

from __future__ import annotations

import pytest

from tests.browser.signing_in import signed_in
from tests.browser.test_visitor_journey import DESKTOP, PHONE, step

pytestmark = pytest.mark.browser

TEXTS = {
    "de": {"impressum": "Impressum", "privacy": "Datenschutz", "privacy_title":
           "Datenschutzhinweise", "template": "Vorlage.", "hold": "Termin 30 Minuten lang"},
    "en": {"impressum": "Legal notice", "privacy": "Privacy", "privacy_title":
           "Privacy notice", "template": "Template.", "hold": "time for 30 minutes"},
}


@pytest.mark.parametrize("language, viewport", [("de", PHONE), ("en", DESKTOP)],
                         ids=["german-phone", "english-desktop"])
def test_a_visitor_finds_the_impressum_and_the_privacy_notice_from_the_footer(
        site, browser, shots, language, viewport):
    texts = TEXTS[language]
    context = browser.new_context(viewport=viewport, locale=f"{language}-DE",
                                  is_mobile=viewport is PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{site['url']}/book?lang={language}")
    footer = page.locator("footer")
    footer.get_by_role("link", name=texts["impressum"], exact=True).click()
    page.get_by_role("heading", level=1, name=texts["impressum"]).wait_for()
    assert texts["template"] in page.locator("main").inner_text()
    assert page.locator("main mark").count() > 3  # the blanks the practice must fill
    step(page, shots, f"1-impressum-{language}", viewport)

    page.locator("footer").get_by_role("link", name=texts["privacy"], exact=True).click()
    page.get_by_role("heading", level=1, name=texts["privacy_title"]).wait_for()
    assert texts["hold"] in page.locator("main").inner_text()
    assert f"lang={language}" in page.url
    step(page, shots, f"2-privacy-{language}", viewport)
    context.close()


def test_the_admin_fills_in_the_impressum_previews_it_and_visitors_read_it(
        site, browser, shots):
    context, page = signed_in(site, browser, viewport=DESKTOP)
    page.get_by_role("link", name="Praxis", exact=True).click()
    page.get_by_role("link", name="Impressum und Datenschutz").click()
    page.get_by_role("heading", level=1, name="Impressum und Datenschutz").wait_for()
    step(page, shots, "1-overview", DESKTOP)

    page.get_by_role("link", name="Impressum", exact=True).first.click()
    german = page.get_by_label("Deutsch")
    assert "[Straße und Hausnummer eintragen]" in german.input_value()
    german.fill("# Praxis Sonnenschein\nDr. Ada Beispiel\nHauptstraße 1, 10115 Berlin\n"
                "E-Mail: {{practice_email}}")
    page.get_by_role("button", name="Vorschau").click()
    page.get_by_role("heading", name="Vorschau (nicht gespeichert): Deutsch").wait_for()
    preview = page.locator(".legal-preview").first
    assert "Hauptstraße 1, 10115 Berlin" in preview.inner_text()
    step(page, shots, "2-preview", DESKTOP)

    page.get_by_role("button", name="Beide speichern").click()
    page.get_by_text("Gespeichert. Besucherinnen und Besucher sehen den neuen Text").wait_for()

    visitor = browser.new_context(viewport=PHONE, locale="de-DE", is_mobile=True).new_page()
    visitor.goto(f"{site['url']}/impressum")
    visitor.get_by_role("heading", level=2, name="Praxis Sonnenschein").wait_for()
    main = visitor.locator("main").inner_text()
    assert "Vorlage." not in main and "Hauptstraße 1, 10115 Berlin" in main
    step(visitor, shots, "3-saved-impressum", PHONE)
    visitor.context.close()
    context.close()
