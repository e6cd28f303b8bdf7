"""From an article's call to action to a confirmed, moved, then cancelled booking,
in a real browser."""

from __future__ import annotations

import email
import json
import re
from email import policy
from pathlib import Path

import pytest

from tests.browser.conftest import AXE, deliver_mail

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NARROWEST = 360


def check_accessibility(page) -> None:
    """No serious or critical findings of axe-core on the page as it stands."""
    # Not add_script_tag: an inline <script> is what the pages' CSP refuses. A function
    # evaluated through DevTools is not subject to it.
    page.evaluate("() => {" + AXE.read_text() + "\n}")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], page.url


def check_fits_narrow_phone(page) -> None:
    page.set_viewport_size({"width": NARROWEST, "height": 740})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROWEST, f"{page.url} scrolls sideways ({width}px)"


def step(page, shots: Path, name: str, viewport: dict) -> None:
    check_accessibility(page)
    check_fits_narrow_phone(page)
    page.set_viewport_size(viewport)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)


def newest_link(mail_folder: Path, kind: str, path_pattern: str) -> str:
    """The link of `path_pattern` in the newest mail of `kind` in the mail folder."""
    files = sorted(mail_folder.glob(f"{kind}.*.eml"), key=lambda f: f.stat().st_mtime)
    assert files, f"no {kind} mail in {mail_folder}"
    message = email.message_from_bytes(files[-1].read_bytes(), policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"http://\S+{path_pattern}", text).group(0)


GERMAN = {
    "choose": "Termin wählen", "book": "Kostenfreies Erstgespräch buchen",
    "confirm": "Ja, diese Buchung bestätigen", "confirmed": "Ihre Buchung ist bestätigt",
    "move": "Anderen Termin wählen", "moving": "Buchung verschieben?",
    "move_yes": "Ja, Buchung verschieben", "moved": "Ihr Termin ist verschoben",
    "cancel": "Buchung absagen", "cancel_yes": "Ja, Buchung absagen",
    "cancelled": "Diese Buchung ist abgesagt",
    "check": "Bitte bestätigen Sie per E-Mail", "name": "Kim Beispiel",
    "copy": "Kopie meiner Daten anfordern", "copy_sent": "Wir haben einen Link zu einer Kopie",
    "download": "Meine Daten herunterladen", "used_up": "Der Download hat begonnen",
}
ENGLISH = {
    "choose": "Choose a time", "book": "Book free first consultation",
    "confirm": "Yes, confirm this booking", "confirmed": "Your booking is confirmed",
    "move": "Choose another time", "moving": "Move your booking?",
    "move_yes": "Yes, move my booking", "moved": "Your booking has moved",
    "cancel": "Cancel booking", "cancel_yes": "Yes, cancel my booking",
    "cancelled": "This booking is cancelled",
    "check": "please confirm by email", "name": "Kim Example",
    "copy": "Request a copy of my data", "copy_sent": "We have sent a link to a copy",
    "download": "Download my data", "used_up": "Your download has started",
}


@pytest.mark.parametrize("language, viewport, texts", [("de", PHONE, GERMAN),
                                                       ("en", DESKTOP, ENGLISH)])
def test_a_visitor_books_confirms_and_cancels(site, browser, shots, language, viewport, texts):
    context = browser.new_context(viewport=viewport, locale=language,
                                  timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{site['url']}/book?source=getting-him-back&lang={language}")
    step(page, shots, "1-team", viewport)

    page.get_by_role("link", name=re.compile(texts["choose"] + ".*Emily Carter")).click()
    # Next week: far enough ahead that online cancellation is still open.
    page.locator("a[rel=next]").click()
    step(page, shots, "2-slots", viewport)

    page.locator("a.slot").first.click()
    step(page, shots, "3-details", viewport)
    page.get_by_label(re.compile("name", re.IGNORECASE)).first.fill(texts["name"])
    email_field = page.get_by_label(re.compile("e-mail|email", re.IGNORECASE)).first
    email_field.fill(f"kim.{language}@example.org")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name=texts["book"]).click()
    page.get_by_text(texts["check"]).wait_for()
    step(page, shots, "4-check-your-email", viewport)

    deliver_mail(site)
    page.goto(newest_link(site["mail"], "confirm_request", "/confirm"))
    step(page, shots, "5-confirm", viewport)
    page.get_by_role("button", name=texts["confirm"]).click()
    page.get_by_role("heading", name=texts["confirmed"]).wait_for()
    step(page, shots, "6-confirmed", viewport)
    manage_url = page.url

    # A copy of one's data: the link comes by mail only; its page has the button.
    page.get_by_role("button", name=texts["copy"]).click()
    page.get_by_text(texts["copy_sent"]).wait_for()
    assert "/copy/" not in page.content()
    deliver_mail(site)
    page.goto(newest_link(site["mail"], "copy_of_data", "/copy/[^?\\s]+"))
    step(page, shots, "6a-copy-of-data", viewport)
    with page.expect_download() as download:
        page.get_by_role("button", name=texts["download"]).click()
    document = json.loads(Path(download.value.path()).read_text())
    assert document["bookings"][0]["name"] == texts["name"]
    # The page stays while the file comes: its button, used up, gives way to a note.
    page.get_by_role("status").filter(has_text=texts["used_up"]).wait_for()
    assert page.get_by_role("button", name=texts["download"]).count() == 0
    page.goto(manage_url)

    # Moving and cancelling each ask first, showing what will happen.
    page.get_by_role("link", name=texts["move"]).click()
    page.locator("a[rel=next]").click()  # not so close that changes would be closed
    page.locator("a.slot").first.click()
    page.get_by_role("heading", name=texts["moving"]).wait_for()
    step(page, shots, "7-move-step", viewport)
    page.get_by_role("button", name=texts["move_yes"]).click()
    page.get_by_text(texts["moved"]).wait_for()

    page.get_by_role("link", name=texts["cancel"]).click()
    step(page, shots, "8-cancel-step", viewport)
    page.get_by_role("button", name=texts["cancel_yes"]).click()
    page.get_by_role("heading", name=texts["cancelled"]).wait_for()
    step(page, shots, "9-cancelled", viewport)
    context.close()


def test_an_english_visitor_sees_english_speakers_first_and_can_widen_it(site, browser,
                                                                           shots):
    context = browser.new_context(viewport=DESKTOP, locale="en")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{site['url']}/book?lang=en")
    page.get_by_text("As this page is in English").wait_for()
    step(page, shots, "1-team-in-english", DESKTOP)
    speaks = page.locator(".therapist .languages").all_inner_texts()
    assert speaks and all("English" in line for line in speaks), speaks
    page.locator(".first-available a.button").click()
    page.get_by_text("Only with therapists who hold sessions in English.").wait_for()
    step(page, shots, "2-first-available-in-english", DESKTOP)
    page.get_by_role("link", name="Show times with everyone").click()
    page.wait_for_url(re.compile(r"speaks=any"))
    assert page.get_by_text("Only with therapists").count() == 0
    context.close()


def test_the_browser_zone_is_applied_to_the_slot_picker(site, browser, shots):
    context = browser.new_context(viewport=DESKTOP, locale="en", timezone_id="Asia/Kolkata")
    page = context.new_page()
    page.goto(f"{site['url']}/book/emily-carter?lang=en")
    # Chromium reports the old name Asia/Calcutta; the page shows the current one.
    page.wait_for_url(re.compile(r"tz=Asia%2F(Kolkata|Calcutta)"))
    assert page.locator("select#tz").input_value() == "Asia/Kolkata"
    assert "Kolkata, India" in page.locator(".zone-note").inner_text()  # named by place
    page.screenshot(path=str(shots / "kolkata.png"), full_page=True)
    context.close()


def test_the_slot_picker_works_with_the_keyboard_alone(site, browser):
    context = browser.new_context(viewport=DESKTOP, locale="en")
    page = context.new_page()
    page.goto(f"{site['url']}/book/emily-carter?lang=en&tz=Europe/Berlin")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('slot')"):
            break
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert re.search(r"\d{4}, \d{1,2}:\d{2}", label), label  # date and time in the name
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/details"))
    context.close()
