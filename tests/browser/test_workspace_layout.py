"""The workspace at a desktop's 1280 × 800, as a therapist and as the admin: the
navigation on one line each, and the feed address copied with one press."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import Therapist
from booking.services.demo import DEMO_LOGIN, DEMO_PASSWORD
from tests.browser.signing_in import signed_in
from tests.browser.test_visitor_journey import check_accessibility

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
THERAPIST = "jonas.hartmann@praxis.example"


@pytest.fixture(scope="module")
def therapist_login(site):
    """The demo colleague who is not an admin, with a password to sign in."""
    with site["app"].app_context():
        jonas = db.session.scalar(select(Therapist).where(Therapist.email == THERAPIST))
        jonas.set_password(DEMO_PASSWORD)
        db.session.commit()
        db.session.remove()
    return THERAPIST


def on_one_line(page, selector: str) -> bool:
    """The links, buttons and text of `selector` sit on one line: their middles lie
    within half a line of each other."""
    middles = page.eval_on_selector_all(
        f"{selector} a, {selector} button, {selector} .signed-in",
        "nodes => nodes.map(n => { const r = n.getBoundingClientRect(); "
        "return (r.top + r.bottom) / 2; })")
    return max(middles) - min(middles) < 12


def one_line_each(page) -> None:
    assert on_one_line(page, ".workspace-nav"), page.url
    assert on_one_line(page, ".account-nav"), page.url
    # No link broken inside itself: each is one line high.
    heights = page.eval_on_selector_all(
        ".workspace-nav a, .account-nav a", "nodes => nodes.map(n => n.getClientRects().length)")
    assert set(heights) == {1}


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_the_navigation_does_not_wrap_at_1280_pixels(site, browser, shots, therapist_login,
                                                     who):
    email = therapist_login if who == "therapist" else DEMO_LOGIN
    context, page = signed_in(site, browser, email, viewport=DESKTOP)
    for path in ("/workspace/", "/workspace/hours", "/workspace/calendar-feed"):
        page.goto(f"{site['url']}{path}")
        one_line_each(page)
        page.screenshot(path=str(shots / f"{who}-{path.strip('/').replace('/', '-')}.png"))
    if who == "admin":
        page.goto(f"{site['url']}/workspace/admin/bookings")
        one_line_each(page)
        check_accessibility(page)
        page.screenshot(path=str(shots / "admin-bookings.png"), full_page=True)
    context.close()


def test_the_feed_address_is_copied_with_one_press(site, browser, shots, therapist_login):
    context, page = signed_in(site, browser, therapist_login,
                              viewport=DESKTOP,
                              permissions=["clipboard-read", "clipboard-write"])
    page.goto(f"{site['url']}/workspace/calendar-feed")
    address = page.locator("#https-url").input_value()
    page.get_by_role("button", name="Adresse kopieren").first.click()
    page.get_by_role("status").filter(has_text="Kopiert").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == address
    check_accessibility(page)
    page.screenshot(path=str(shots / "copied.png"))
    context.close()


def test_without_script_the_feed_address_is_a_field_to_select(site, browser, therapist_login):
    context, page = signed_in(site, browser, therapist_login, viewport=DESKTOP,
                              java_script_enabled=False)
    page.goto(f"{site['url']}/workspace/calendar-feed")
    assert page.get_by_role("button", name="Adresse kopieren").count() == 0  # hidden
    assert page.locator("#https-url").input_value().startswith("http")
    context.close()
