"""A therapist in the workspace, in a real browser: sign in, take a day off and see
it vanish from the public page, cancel a booking, sign out."""

from __future__ import annotations

import re

import pytest

from booking.extensions import db
from booking.services.bookings import Visitor, book_slot
from booking.services.demo import DEMO_LOGIN, DEMO_PASSWORD, demo_therapist
from booking.services.matching import first_session_type
from tests.browser.test_visitor_journey import PHONE, step
from tests.browser.test_visitor_rough_edges import focus_reaches
from tests.conftest import FIXED_NOW
from tests.support import berlin, policy_of

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def booked(site):
    """A confirmed-to-be booking of the demo therapist on Wednesday 10 June, 10:00."""
    app = site["app"]
    with app.app_context():
        therapist = demo_therapist()
        booking = book_slot(
            therapist_id=therapist.id, session_type_id=first_session_type().id,
            start=berlin("2026-06-10", "10:00"), now=FIXED_NOW,
            policy=policy_of(app),
            visitor=Visitor(name="Kim Beispiel", email="kim@example.org"))
        details = {"booking_id": booking.id, "slug": therapist.slug}
        db.session.remove()
    return details


def test_a_therapist_takes_a_day_off_cancels_a_booking_and_signs_out(
        site, browser, shots, booked):
    context = browser.new_context(viewport=PHONE, locale="de-DE")
    context.set_default_timeout(10_000)
    page = context.new_page()
    public_week = f"{site['url']}/book/{booked['slug']}?week=2026-06-08&tz=Europe/Berlin"
    tuesday_9 = 'time[datetime="2026-06-09T07:00:00+00:00"]'

    page.goto(f"{site['url']}/workspace/")
    step(page, shots, "1-sign-in", PHONE)
    page.get_by_label("E-Mail-Adresse").fill(DEMO_LOGIN)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Anstehende Buchungen").wait_for()
    step(page, shots, "2-dashboard", PHONE)

    page.goto(public_week)
    assert page.locator(tuesday_9).count() == 1
    page.goto(f"{site['url']}/workspace/hours")
    # A time off that ends before it starts: summarised first, then told at the field.
    page.get_by_label("Von", exact=True).fill("2026-06-10")
    page.get_by_label("Bis (einschließlich)").fill("2026-06-09")
    page.get_by_role("button", name="Abwesenheit hinzufügen").click()
    assert focus_reaches(page, ".error-summary")
    assert page.locator("#last_day-error").inner_text() == "Der letzte Tag liegt vor dem ersten."
    step(page, shots, "3-time-off-refused", PHONE)  # accessible, and fits a phone
    page.locator(".error-summary a").click()
    assert focus_reaches(page, "#last_day")
    page.get_by_label("Von", exact=True).fill("2026-06-09")
    page.get_by_label("Bis (einschließlich)").fill("2026-06-09")
    page.get_by_role("button", name="Abwesenheit hinzufügen").click()
    page.get_by_text("Abwesenheit gespeichert.").wait_for()
    step(page, shots, "3-time-off", PHONE)
    page.goto(public_week)
    assert page.locator(tuesday_9).count() == 0

    page.goto(f"{site['url']}/workspace/")
    page.get_by_role("link", name=re.compile("Kim Beispiel")).click()
    page.get_by_label(re.compile("Nachricht an")).fill("Ich bin leider erkrankt.")
    page.get_by_label(re.compile("Ja, diese Buchung absagen")).check()
    page.get_by_role("button", name="Buchung absagen und Klient/in informieren").click()
    page.get_by_text("Die Buchung ist abgesagt").wait_for()
    step(page, shots, "4-cancelled", PHONE)

    page.get_by_role("button", name="Abmelden").click()
    page.get_by_role("heading", name="Im Arbeitsbereich anmelden").wait_for()
    page.goto(f"{site['url']}/workspace/")
    assert "/workspace/sign-in" in page.url
    context.close()
