"""A desktop browser signed in to the workspace, as the browser journeys start."""

from __future__ import annotations

from booking.services.demo import DEMO_LOGIN, DEMO_PASSWORD

DESKTOP = {"width": 1280, "height": 900}


def signed_in(site, browser, email: str = DEMO_LOGIN, *, viewport: dict | None = None,
              **options):
    """A new German browser context signed in as `email` (the demo admin unless
    said), on the workspace's first page: (context, page)."""
    context = browser.new_context(viewport=viewport or DESKTOP, locale="de-DE", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{site['url']}/workspace/")
    page.get_by_label("E-Mail-Adresse").fill(email)
    page.get_by_label("Passwort").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.get_by_role("heading", name="Anstehende Buchungen").wait_for()
    return context, page
