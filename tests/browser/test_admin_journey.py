"""The practice admin in a real browser, on a desktop: hand a colleague's booking
over, take the colleague off booking, and read which articles bring bookings."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import Therapist
from booking.services.bookings import Visitor, book_slot
from booking.services.matching import first_session_type
from tests.browser.signing_in import signed_in
from tests.browser.test_visitor_journey import step
from tests.browser.test_visitor_rough_edges import focus_reaches
from tests.conftest import FIXED_NOW
from tests.support import berlin, policy_of

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def jonas(site):
    """Jonas Hartmann of the demo team, with a booking from an article on 10 June, 10:00."""
    app = site["app"]
    with app.app_context():
        therapist = db.session.scalar(select(Therapist).where(
            Therapist.email == "jonas.hartmann@praxis.example"))
        book_slot(therapist_id=therapist.id, session_type_id=first_session_type().id,
                  start=berlin("2026-06-10", "10:00"), now=FIXED_NOW,
                  policy=policy_of(app),
                  visitor=Visitor(name="Kim Beispiel", email="kim@example.org",
                                  cta_source="artikel-eifersucht"))
        details = {"id": therapist.id, "name": therapist.display_name}
        db.session.remove()
    return details


def test_the_admin_hands_over_a_booking_deactivates_a_colleague_and_reads_the_report(
        site, browser, shots, jonas):
    context, page = signed_in(site, browser, viewport=DESKTOP)

    page.get_by_role("link", name="Praxis", exact=True).click()
    page.get_by_role("heading", name="Team").wait_for()
    step(page, shots, "1-team", DESKTOP)
    page.get_by_role("link", name=jonas["name"]).click()
    page.get_by_label("Übergeben an").select_option(label="Dr. Anna Berger (Deutsch, Englisch)")
    page.get_by_role("button", name="Übergeben", exact=True).click()
    page.get_by_text("Übergeben. Klient/in").wait_for()
    page.get_by_role("button", name="Deaktivieren").click()
    page.get_by_text("Deaktiviert. Besucher sehen").wait_for()
    step(page, shots, "2-member-deactivated", DESKTOP)

    page.goto(f"{site['url']}/book")
    assert jonas["name"] not in page.content()

    page.goto(f"{site['url']}/workspace/admin/bookings")
    page.get_by_role("link", name=re.compile("Kim Beispiel")).click()
    page.get_by_role("heading", name="Verlauf").wait_for()
    assert "Von der Praxis übergeben (vorher: Jonas Hartmann)" in page.content()
    page.get_by_role("heading", name="Zugriffsprotokoll").wait_for()
    assert "hat die Buchung geändert" in page.content()  # the handover, by this admin
    assert "hat die Angaben der Klientin oder des Klienten angesehen" in page.content()
    step(page, shots, "3-booking-history", DESKTOP)

    page.get_by_role("link", name="Artikel").click()
    page.get_by_role("img", name="Buchungen und Bestätigungen pro Monat").wait_for()
    assert page.get_by_role("cell", name="artikel-eifersucht").count() == 2
    step(page, shots, "4-report", DESKTOP)

    for n, (link, heading) in enumerate([
            ("Unzustellbare E-Mails", "Unzustellbare E-Mails"),
            ("Ausnahmen", "Ein weiteres kostenfreies Erstgespräch"),
            ("Schließtage", "Schließtage"),
            ("Praxiskalender", "Alle Buchungen der Praxis im Kalenderprogramm"),
            # Its address field asks for 60 characters: once 513 px wide on a phone.
            ("Webhooks", "Webhooks")], start=5):
        page.get_by_role("link", name=link).click()
        page.get_by_role("heading", name=heading).wait_for()
        step(page, shots, f"{n}-{link}", DESKTOP)  # accessible, and fits a narrow phone

    # A receiver address that is refused: summarised first, then told at the field.
    page.get_by_label("Adresse des Empfängers (https://…)").fill("http://")
    page.get_by_role("button", name="Empfänger hinzufügen").click()
    assert focus_reaches(page, ".error-summary")
    assert page.locator("#url-error").inner_text() == \
        "Die Adresse ist keine vollständige Internetadresse."
    step(page, shots, "10-webhook-refused", DESKTOP)
    page.locator(".error-summary a").click()
    assert focus_reaches(page, "#url")
    context.close()
