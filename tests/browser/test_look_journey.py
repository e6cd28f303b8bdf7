"""The practice's look in a real browser: the admin picks an accent colour (a too
light one is refused with its contrast), uploads a logo and a photo, and visitors see
them, under the real Content-Security-Policy and clean for axe-core."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.browser.signing_in import signed_in
from tests.browser.test_visitor_journey import step

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def png(size: tuple[int, int], colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def test_the_admin_gives_the_practice_its_colour_logo_and_photo_and_visitors_see_them(
        site, browser, shots):
    context, page = signed_in(site, browser, viewport=DESKTOP)
    admin_name = page.locator(".signed-in").inner_text().removeprefix("Angemeldet als ")

    page.get_by_role("link", name="Praxis", exact=True).click()
    page.get_by_role("link", name="Praxisangaben und Aussehen").click()
    page.get_by_label("Akzentfarbe (optional)").fill("#ff8800")
    page.get_by_role("button", name="Speichern").click()
    # At the field, and (linked to it) in the error summary at the top of the page.
    page.locator("#accent-error").get_by_text("#ff8800 ist zu hell").wait_for()
    assert page.locator(".error-summary a[href='#accent']").count() == 1
    step(page, shots, "1-colour-refused", DESKTOP)

    page.get_by_label("Name der Praxis").fill("Praxis am See")
    page.get_by_label("E-Mail-Adresse").fill("kontakt@praxis-am-see.example")
    page.get_by_label("Akzentfarbe (optional)").fill("#7a1f5c")
    page.get_by_role("button", name="Speichern").click()
    page.get_by_text("Die Angaben zur Praxis sind gespeichert.").wait_for()
    page.get_by_label("Bild (PNG, JPEG oder WebP, höchstens 2 MB)").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": png((600, 200), "navy")})
    page.get_by_role("button", name="Logo hochladen").click()
    page.get_by_text("Das Logo ist gespeichert.").wait_for()
    page.get_by_role("img", name="Das aktuelle Logo").wait_for()
    step(page, shots, "2-details-saved", DESKTOP)

    page.get_by_role("link", name="Profil").click()
    page.get_by_label("Bild (PNG, JPEG oder WebP, höchstens 2 MB)").set_input_files(
        {"name": "ich.png", "mimeType": "image/png", "buffer": png((500, 400), "teal")})
    page.get_by_role("button", name="Foto hochladen").click()
    page.get_by_text("Das Foto ist gespeichert.").wait_for()
    step(page, shots, "3-photo-saved", DESKTOP)

    visitor = browser.new_context(viewport=PHONE, locale="de-DE").new_page()
    visitor.goto(f"{site['url']}/book")
    brand = visitor.locator("a.brand")
    assert brand.inner_text().strip() == "Praxis am See"
    logo = brand.locator("img.logo")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 600
    assert brand.evaluate("a => getComputedStyle(a).color") == "rgb(122, 31, 92)"
    photo = visitor.get_by_role("img", name=admin_name, exact=True)
    assert photo.evaluate("img => img.complete && img.naturalWidth") == 320
    step(visitor, shots, "4-team-page", PHONE)

    visitor.get_by_role("link", name=f"Termin wählen bei {admin_name}").click()
    visitor.get_by_role("img", name=admin_name, exact=True).wait_for()
    # The click returns once the new page is under way; its style sheets may still be
    # loading (under load the slot was once read in the browser's default blue).
    visitor.wait_for_load_state("load")
    button = visitor.locator("a.slot").first
    assert button.evaluate("a => getComputedStyle(a).borderColor") == "rgb(122, 31, 92)"
    step(visitor, shots, "5-week-picker", PHONE)
    assert "Praxis am See" in visitor.title()
