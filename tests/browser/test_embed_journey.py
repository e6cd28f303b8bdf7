"""Booking from inside an article on another site, in Chromium with third-party
cookies blocked: the article (the demo page) is served as http://localhost:<port>,
the booking service as http://127.0.0.1:<port>: another host name and port, so
another site, as the practice's blog is to the booking service."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select
from werkzeug.serving import make_server

from booking.extensions import db
from booking.models import Booking
from tests.browser.conftest import CHROMIUM, deliver_mail
from tests.browser.test_visitor_journey import DESKTOP, PHONE, check_accessibility, newest_link
from tests.support import reconfigure

pytestmark = pytest.mark.browser

CTA = "Jetzt kostenfreies Erstgespräch buchen"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def serve(app, host: str) -> tuple:
    server = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def cookie_probe(environ, start_response):
    """A page that frames ?frame=<address>, and at /set a frame that sets a cookie
    meant for third-party use (SameSite=None; Secure, which Chromium allows on
    localhost): what a frame of another site would try."""
    if environ["PATH_INFO"] == "/set":
        start_response("200 OK", [("Content-Type", "text/html"),
                                  ("Set-Cookie", "probe=1; SameSite=None; Secure; Path=/")])
        return [b"<p>frame</p>"]
    frame = parse_qs(environ["QUERY_STRING"]).get("frame", [""])[0]
    if environ["PATH_INFO"] != "/" or not frame:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b""]
    start_response("200 OK", [("Content-Type", "text/html")])
    return [f'<iframe src="{frame}" title="probe"></iframe>'.encode()]


@pytest.fixture(scope="module")
def origins(site) -> Iterator[dict]:
    """The article on localhost (allowed to frame), the same article on 127.0.0.2
    (not allowed), and the cookie probe on 127.0.0.1 and localhost."""
    app = site["app"]
    servers = [serve(app, "localhost"), serve(app, "127.0.0.2"), serve(cookie_probe, "127.0.0.1")]
    (article, _), (stranger, _), (probe, _) = servers
    found = {"article": f"http://localhost:{article.server_port}",
             "stranger": f"http://127.0.0.2:{stranger.server_port}",
             "probe": f"http://127.0.0.1:{probe.server_port}",
             "probe_frame": f"http://localhost:{probe.server_port}"}
    reconfigure(app, EMBED_ORIGINS=(found["article"], found["probe"]))
    yield found
    for server, thread in servers:
        server.shutdown()
        thread.join()


def profile(browser, folder, cookie_controls_mode: int):
    """Chromium with a fresh profile whose third-party cookie setting is the
    preference behind chrome://settings/cookies (0 allows them, 1 blocks them;
    Debian's Chromium ignores the command-line switches for it). Content-Security-
    Policy messages are collected in `refusals`."""
    (folder / "Default").mkdir(parents=True)
    (folder / "Default" / "Preferences").write_text(
        json.dumps({"profile": {"cookie_controls_mode": cookie_controls_mode}}))
    context = browser.browser_type.launch_persistent_context(
        str(folder), executable_path=CHROMIUM, args=ARGS, viewport=DESKTOP, locale="de",
        timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    context.refusals = []
    context.on("console", lambda message: context.refusals.append(message.text)
               if "Content Security Policy" in message.text else None)
    return context


@pytest.fixture
def blocking(browser, tmp_path) -> Iterator:
    """Chromium blocking third-party cookies."""
    context = profile(browser, tmp_path / "blocking", 1)
    yield context
    context.close()


def probe_cookie_stored(context, origins) -> bool:
    page = context.new_page()
    page.goto(f"{origins['probe']}/?frame={origins['probe_frame']}/set")
    page.frame_locator("iframe").locator("p").wait_for()
    page.close()
    # All cookies: asked for an http:// address, Playwright leaves Secure ones out.
    return any(c["name"] == "probe" for c in context.cookies())


def test_a_frame_of_another_site_cannot_set_a_cookie_in_this_setup(browser, blocking, origins,
                                                                   tmp_path):
    allowing = profile(browser, tmp_path / "allowing", 0)
    assert probe_cookie_stored(allowing, origins)  # the probe works where cookies are allowed
    allowing.close()
    assert not probe_cookie_stored(blocking, origins)


def booked_events(page) -> list:
    return page.evaluate("window.bookedEvents")


def listen_for_bookings(page) -> None:
    # Through DevTools, not a <script>: the article page's CSP refuses inline scripts.
    page.evaluate("() => { window.bookedEvents = []; document.addEventListener("
                  "'booking:booked', e => window.bookedEvents.push(e.detail)); }")


def book_in(frame, name: str, email: str, settle=lambda: None) -> None:
    """Book with Emily Carter inside `frame`, following links with the keyboard (Enter on
    the focused link): an inline frame grows with each page, and a mouse click while the
    page around it moves can land where the link was a moment ago. `settle` waits until
    the frame stops moving."""
    settle()
    follow(frame.get_by_role("link", name=re.compile("Termin wählen.*Emily Carter")),
           arrived=frame.locator("a[rel=next]"))
    settle()
    # Next week: online changes are still open there.
    follow(frame.locator("a[rel=next]"), arrived=frame.locator("a[rel=prev]"))
    settle()
    frame.locator("a.slot").first.press("Enter")
    settle()
    frame.get_by_label(re.compile("name", re.IGNORECASE)).first.fill(name)
    frame.get_by_label(re.compile("e-mail", re.IGNORECASE)).first.fill(email)
    frame.locator("input[name=consent]").check()
    frame.get_by_role("button", name="Kostenfreies Erstgespräch buchen").click()
    frame.get_by_text("Bitte bestätigen Sie per E-Mail").wait_for()


def follow(link, *, arrived) -> None:
    """Press Enter on `link` until the next page shows (`arrived`): a key pressed while
    the framed page is still starting up can be lost, as a reader's tap can, and the
    reader presses again (seen about once in ten runs on a loaded machine)."""
    for _ in range(3):
        link.press("Enter")
        try:
            arrived.wait_for(timeout=4_000)
            return
        except PlaywrightTimeout:
            continue
    arrived.wait_for()


def confirm_from_mail(context, site) -> None:
    deliver_mail(site)
    page = context.new_page()
    page.goto(newest_link(site["mail"], "confirm_request", "/confirm"))
    page.get_by_role("button", name="Ja, diese Buchung bestätigen").click()
    page.get_by_role("heading", name="Ihre Buchung ist bestätigt").wait_for()
    page.close()


def source_of_booking(site, email: str) -> str:
    with site["app"].app_context():
        booking = db.session.scalar(select(Booking).where(Booking.visitor_email == email))
        source = booking.cta_source
        db.session.remove()
    return source


def test_a_reader_books_in_the_dialog_and_returns_to_the_article(site, origins, blocking):
    page = blocking.new_page()
    page.goto(f"{origins['article']}/demo/article")
    listen_for_bookings(page)
    cta = page.get_by_role("link", name=CTA).first
    cta.click()
    dialog = page.get_by_role("dialog", name=CTA)
    dialog.wait_for()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")  # focus moved in
    assert page.evaluate("document.documentElement.style.overflow") == "hidden"
    dialog.get_by_role("button", name="Schließen").wait_for()  # a visible way out
    frame = page.frame_locator("dialog iframe")
    frame.get_by_role("heading", name="Kostenfreies Erstgespräch buchen").wait_for()
    check_accessibility(page)  # the article with the dialog open

    # The page behind is inert while the dialog is open: nothing there takes focus, so
    # Tab and a screen reader stay in the dialog.
    assert cta.evaluate("link => { link.focus(); return document.activeElement !== link; }")

    book_in(frame, "Kim Beispiel", "kim.dialog@example.org")
    page.wait_for_function("() => window.bookedEvents.length > 0")
    assert booked_events(page) == [{"source": "getting-him-back"}]  # nothing personal

    page.keyboard.press("Escape")  # focus is inside the frame: it tells the article
    dialog.wait_for(state="detached")
    assert cta.evaluate("link => link === document.activeElement")  # focus is back
    assert page.evaluate("document.documentElement.style.overflow") == ""

    confirm_from_mail(blocking, site)
    assert source_of_booking(site, "kim.dialog@example.org") == "getting-him-back"
    assert blocking.cookies() == []
    assert blocking.refusals == []


def test_the_close_button_closes_the_dialog(origins, blocking):
    page = blocking.new_page()
    page.goto(f"{origins['article']}/demo/article")
    cta = page.get_by_role("link", name=CTA).last
    cta.click()
    page.get_by_role("dialog").get_by_role("button", name="Schließen").click()
    page.get_by_role("dialog").wait_for(state="detached")
    assert cta.evaluate("link => link === document.activeElement")
    assert blocking.refusals == []


def test_a_reader_books_in_the_inline_form_which_fits_its_content(site, origins, blocking):
    page = blocking.new_page()
    page.goto(f"{origins['article']}/demo/article")
    listen_for_bookings(page)
    container = page.locator("[data-booking-inline] iframe")
    frame = page.frame_locator("[data-booking-inline] iframe")
    frame.get_by_role("heading", name="Kostenfreies Erstgespräch buchen").wait_for()
    # The frame takes the height its page reports (40rem before that).
    page.wait_for_function("() => document.querySelector('[data-booking-inline] iframe')"
                           ".style.height.endsWith('px')")
    inner = frame.locator("body").evaluate("body => body.getBoundingClientRect().height")
    assert abs(container.bounding_box()["height"] - inner) <= 2
    book_in(frame, "Kim Beispiel", "kim.inline@example.org", settle=lambda: settled(page))
    page.wait_for_function("() => window.bookedEvents.length > 0")
    # No data-source on this container: the article's own path is the source.
    assert booked_events(page) == [{"source": "demo-article"}]
    confirm_from_mail(blocking, site)
    assert source_of_booking(site, "kim.inline@example.org") == "demo-article"
    assert blocking.refusals == []


def settled(page) -> None:
    """Wait until the inline frame has kept its height for a moment: a click while the
    page around it moves lands wherever the target was a moment ago."""
    page.wait_for_function("""() => new Promise(resolve => {
        const frame = document.querySelector('[data-booking-inline] iframe');
        const height = frame.style.height;
        setTimeout(() => resolve(frame.style.height === height), 300);
    })""")


def test_a_phone_follows_the_link_to_the_full_page(site, origins, blocking):
    page = blocking.new_page()
    page.set_viewport_size(PHONE)
    page.goto(f"{origins['article']}/demo/article")
    page.get_by_role("link", name=CTA).first.click()
    page.wait_for_url(re.compile(re.escape(site["url"]) + r"/book\?.*source=getting-him-back"))
    assert page.get_by_role("dialog").count() == 0
    assert "embed=1" not in page.url
    assert blocking.refusals == []


def shows_only_an_error(frame_element) -> bool:
    """The frame ends on Chromium's error page, not ours."""
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_url(re.compile("^chrome-error:"))
    return frame.locator("h1").filter(has_text="Erstgespräch").count() == 0


def test_an_origin_not_in_embed_origins_cannot_frame_the_booking(site, origins, blocking):
    page = blocking.new_page()
    page.goto(f"{origins['stranger']}/demo/article")
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refused:
        page.get_by_role("link", name=CTA).first.click()
    assert "The request has been blocked" in refused.value.text
    assert shows_only_an_error(page.locator("dialog iframe"))


@pytest.mark.parametrize("path", ["/workspace/sign-in", "/workspace/", "/workspace/admin/team"])
def test_no_workspace_page_can_be_framed_even_by_an_allowed_origin(site, origins, blocking, path):
    page = blocking.new_page()
    with page.expect_console_message(lambda m: "frame-ancestors" in m.text) as refused:
        page.goto(f"{origins['probe']}/?frame={site['url']}{path}")
    assert "The request has been blocked" in refused.value.text
    assert shows_only_an_error(page.locator("iframe"))
    # The same origin may frame the booking pages: the refusal is the workspace's own.
    allowed = blocking.new_page()
    allowed.goto(f"{origins['probe']}/?frame={site['url']}/book")
    allowed.frame_locator("iframe").locator("h1").wait_for()
