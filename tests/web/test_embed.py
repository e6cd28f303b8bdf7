"""/embed.js and what it opens: framing only for EMBED_ORIGINS, never the workspace;
the script small and long cached; framed pages without the site's chrome; the demo
article outside production only."""

from __future__ import annotations

import gzip
import re

import pytest

from booking import create_app
from booking.extensions import db
from booking.web.embed import SCRIPT
from booking.web.embed.article import parse_article
from tests.conftest import TEST_DATA_KEY, app_config
from tests.support import reconfigure
from tests.web.url_map_walk import make_practice, path_of, rules_of, signed_in_as

BUDGET_BYTES = 3 * 1024
ARTICLE_SITE = "https://www.praxis.example"
FRAMED = ("/book", "/erstgespraech", "/book/any", "/privacy", "/impressum")


def frame_ancestors(response) -> str:
    return re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"]
                     ).group(1)


def test_embed_js_stays_within_three_kilobytes_gzipped():
    assert len(gzip.compress(SCRIPT.read_bytes(), compresslevel=9)) <= BUDGET_BYTES


def test_embed_js_is_cached_for_a_year_at_its_versioned_address(client):
    plain = client.get("/embed.js")
    assert plain.content_type.startswith("text/javascript")
    assert plain.headers["Cache-Control"] == "public, max-age=3600"
    version = plain.headers["ETag"].strip('"')
    versioned = client.get(f"/embed.js?v={version}")
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert versioned.data == plain.data
    # An old version's address gets the current script, but not for a year.
    assert client.get("/embed.js?v=0ld").headers["Cache-Control"] == "public, max-age=3600"
    assert client.get("/embed.js", headers={"If-None-Match": f'"{version}"'}).status_code == 304


def test_only_embed_origins_may_frame_the_booking_pages(app, client, first_session):
    reconfigure(app, EMBED_ORIGINS=(ARTICLE_SITE,), DEMO_ARTICLE=False)
    for path in FRAMED:
        response = client.get(path)
        assert frame_ancestors(response) == ARTICLE_SITE, path
        assert "X-Frame-Options" not in response.headers, path


def test_without_embed_origins_production_frames_nothing(app, client, first_session):
    reconfigure(app, EMBED_ORIGINS=(), DEMO_ARTICLE=False)
    for path in FRAMED:
        response = client.get(path)
        assert frame_ancestors(response) == "'none'", path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_no_workspace_admin_manage_or_feed_page_is_ever_framed(
        app, client, make_therapist, first_session):
    reconfigure(app, EMBED_ORIGINS=(ARTICLE_SITE,))
    practice = make_practice(make_therapist, first_session)
    signed_in_as(client, "admin", practice)
    walked = 0
    for rule in rules_of(app):
        if not rule.endpoint.startswith(("workspace.", "admin.", "feeds.", "public.manage",
                                         "public.confirm", "public.reschedule",
                                         "public.cancel", "public.move")):
            continue
        response = client.get(path_of(rule, practice.real_values(rule)))
        assert frame_ancestors(response) == "'none'", rule.rule
        assert response.headers["X-Frame-Options"] == "DENY", rule.rule
        walked += response.status_code == 200
    assert walked > 10


def test_framed_pages_drop_the_chrome_and_keep_the_frame_in_their_links(
        client, make_therapist, first_session):
    therapist = make_therapist(languages=("de", "en"))  # shown on English pages
    page = client.get("/book?embed=1&source=an-article&lang=en").get_data(as_text=True)
    assert 'class="brand"' not in page
    assert 'hreflang="de"' in page  # the language links stay
    assert "/static/framed.js" in page
    link = re.search(rf'href="(/book/{therapist.slug}\?[^"]+)"', page).group(1)
    assert "embed=1" in link and "source=an-article" in link and "lang=en" in link
    german = client.get("/book?embed=1&source=an-article").get_data(as_text=True)
    assert re.search(r'href="[^"]*embed=1[^"]*" lang="en"', german)
    plain = client.get("/book").get_data(as_text=True)
    assert 'class="brand"' in plain and "framed.js" not in plain


def test_the_demo_article_wires_its_three_calls_to_action(client):
    page = client.get("/demo/article").get_data(as_text=True)
    assert "Getting Him Back After Pushing Away" in page
    assert page.count("data-booking ") + page.count("data-booking>") == 2  # dialogs
    assert page.count("data-booking-inline") == 1
    assert re.search(r'<script src="http://[^"]+/embed\.js\?v=\w+" defer>', page)
    # Without JavaScript every button still leads to the booking pages.
    assert len(re.findall(r'<a class="button primary"[^>]* href="http://[^"]+/book', page)) == 3


def test_the_demo_articles_german_and_its_buttons_are_spelt_with_umlauts(client):
    page = client.get("/demo/article").get_data(as_text=True)
    labels = re.findall(r'<a class="button primary"[^>]*>([^<]+)</a>', page)
    assert labels == ["Jetzt kostenfreies Erstgespräch buchen"] * 2 + [
        "Gratis Erstgespräch buchen"]
    assert "Brauchst Du Unterstützung?" in page and "ist für Dich da" in page
    # The article as the practice's page was taken wrote umlauts as ae, oe, ue or not at all.
    for typo in ("Erstgespraech", "Erstgesprach", "fuer ", " fur ", " uber ", "koennen",
                 "Unterstutzung", "Gruessen", "TeamDas"):
        assert typo not in page


@pytest.fixture
def production_app(database_url, monkeypatch):
    monkeypatch.setenv("BOOKING_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("DATA_KEY", TEST_DATA_KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/booking")
    monkeypatch.setenv("BASE_URL", "https://termine.praxis.example")
    monkeypatch.setenv("MAIL_URL", "smtp://mail.praxis.example:587?starttls=1")
    monkeypatch.setenv("MAIL_SENDER", "Praxis <termine@praxis.example>")
    monkeypatch.setenv("PRACTICE_EMAIL", "praxis@praxis.example")
    monkeypatch.setenv("LOG_FORMAT", "none")
    app = create_app(app_config(database_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_production_serves_no_demo_article(production_app):
    client = production_app.test_client()
    assert client.get("/demo/article").status_code == 404
    assert frame_ancestors(client.get("/privacy")) == "'none'"


def test_the_article_text_becomes_headings_paragraphs_and_calls_to_action():
    article = parse_article("Title\nLead.\nAuthor\nRole\nNote.\n-\nA point.\nA heading\n"
                            "Kommen Ihnen diese Muster bekannt vor?\nIn einem Gespräch.\n"
                            "Body text.\nJetzt kostenfreies Erstgespräch buchen\n"
                            "Gratis Erstgespräch buchen\n")
    assert (article.title, article.byline) == ("Title", "Author, Role")
    assert [(b.kind, b.text) for b in article.blocks] == [
        ("item", "A point."), ("heading", "A heading"),
        ("box", "Kommen Ihnen diese Muster bekannt vor?"), ("paragraph", "Body text."),
        ("dialog", "Jetzt kostenfreies Erstgespräch buchen"),
        ("inline", "Gratis Erstgespräch buchen")]
    assert article.blocks[2].detail == "In einem Gespräch."
