"""The Impressum and the privacy notice: the admin writes them (with a preview), visitors
read them in their language, and the automatic parts follow the real settings."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.legal import starter
from booking.models import LegalKind, LegalText, WebhookEndpoint
from tests.conftest import FIXED_NOW
from tests.support import reconfigure
from tests.web.workspace_support import PASSWORD, csrf, sign_in

EDITORS = {LegalKind.IMPRESSUM: "/workspace/admin/legal/impressum",
           LegalKind.PRIVACY: "/workspace/admin/legal/privacy"}
PAGE_LIMIT = 15 * 1024
HOSTILE = ('# Praxis Sonnenschein\n\n<script>alert("x")</script>\n\n'
           '<img src="https://tracker.example/p.gif" onerror="alert(1)">\n\n'
           '[Klick](javascript:alert(2)) <a href="javascript:alert(3)" onclick="alert(4)">b</a>\n'
           '[Kammer](https://www.ptk.example/)')


def post_texts(client, kind, action, de, en):
    token = csrf(client, EDITORS[kind])
    return client.post(EDITORS[kind], data={"csrf_token": token, "action": action,
                                            "source_de": de, "source_en": en})


def saved() -> dict:
    db.session.rollback()
    return {(t.kind, t.language): t for t in db.session.scalars(select(LegalText))}


def main_of(response) -> str:
    page = response.get_data(as_text=True)
    return page[page.index("<main"):page.index("</main>")]


@pytest.mark.parametrize(("path", "blank"), [
    ("/impressum", "[Vor- und Nachname der Inhaberin oder des Inhabers eintragen]"),
    ("/imprint?lang=en", "[Enter the owner's first and last name]"),
    ("/datenschutz", "[Zuständige Aufsichtsbehörde mit Anschrift eintragen"),
    ("/privacy?lang=en", "[Enter the competent supervisory authority and its address"),
])
def test_without_a_saved_text_visitors_see_a_marked_template_naming_its_blanks(client, path,
                                                                               blank):
    response = client.get(path)
    assert response.status_code == 200
    page = main_of(response)
    assert "Vorlage." in page or "Template." in page
    assert re.search(r"<mark>" + re.escape(blank.replace("'", "&#x27;")), page) or \
        f"<mark>{blank}" in page


def test_the_privacy_template_names_controller_legal_bases_recipients_and_rights(client):
    page = main_of(client.get("/datenschutz"))
    for needed in ("Verantwortlich", "Datenschutzbeauftragte", "Art. 6 Abs. 1 lit. b DSGVO",
                   "Art. 9 Abs. 2 lit. h", "E-Mail-Versand", "Online-Gespräche",
                   "Art. 15 DSGVO", "Art. 77 DSGVO", "Aufsichtsbehörde"):
        assert needed in page, needed
    english = main_of(client.get("/privacy?lang=en"))
    for needed in ("Controller", "Data protection officer", "Art. 6(1)(b) GDPR",
                   "Art. 9(2)(h)", "Email is sent", "Online sessions", "Art. 77 GDPR"):
        assert needed in english, needed


def test_the_privacy_page_follows_the_retention_and_hold_settings(app, client):
    reconfigure(app, RETENTION_DAYS=123, RETENTION_CANCELLED_DAYS=45,
                RETENTION_UNCONFIRMED_DAYS=3, BOOKING_HOLD_MINUTES=17)
    page = main_of(client.get("/datenschutz"))
    assert "Termin 17 Minuten lang" in page
    assert "gespeichert bis 123 Tage nach dem Termin" in page
    assert "gespeichert bis 45 Tage nach der Absage" in page
    assert "gespeichert bis 3 Tage nach Ablauf der Reservierung" in page
    english = main_of(client.get("/privacy?lang=en"))
    assert "time for 17 minutes" in english
    assert "kept until 123 days after the appointment" in english
    assert "kept until 45 days after the cancellation" in english
    assert "kept until 3 days after the unconfirmed reservation lapsed" in english
    reconfigure(app, RETENTION_DAYS=0, RETENTION_CANCELLED_DAYS=0, RETENTION_UNCONFIRMED_DAYS=0)
    page = main_of(client.get("/datenschutz"))
    assert "123 Tage" not in page
    assert page.count("gespeichert bis die Praxis sie löscht") == 3


def test_the_privacy_page_names_who_receives_the_data_from_the_real_setup(
        app, client, make_therapist):
    reconfigure(app, MAIL_URL="smtp://user:secret@smtp.mailhost.example:587")
    therapist = make_therapist()
    therapist.rules.meeting_url = "https://video.praxis.example/room-of-anna"
    db.session.add(WebhookEndpoint(url="https://crm.example/hooks?key=s3cret", events=[],
                                   include_client_details=True, nonce="n",
                                   created_at=FIXED_NOW))
    db.session.commit()
    page = main_of(client.get("/datenschutz"))
    assert "über den Server smtp.mailhost.example von" in page
    assert "Online-Gespräche über video.praxis.example," in page
    assert "Angaben erhalten: crm.example" in page
    # Hosts only: an address's path or credentials may be secret.
    assert "room-of-anna" not in page and "s3cret" not in page and "secret@" not in page


def test_the_privacy_page_names_the_default_video_host_while_an_active_therapist_uses_it(
        client, make_therapist, set_practice_meeting_link):
    make_therapist(meeting_url="https://video.praxis.example/{room}")
    without_own = make_therapist(meeting_url="")
    set_practice_meeting_link("https://raum.praxis.example/{room}")
    page = main_of(client.get("/datenschutz"))
    assert "Online-Gespräche über raum.praxis.example, video.praxis.example," in page
    without_own.active = False  # everyone left has a link of their own
    db.session.commit()
    page = main_of(client.get("/datenschutz"))
    assert "Online-Gespräche über video.praxis.example," in page
    assert "raum.praxis.example" not in page


def test_the_admin_saves_both_languages_and_visitors_read_them(signed_in_admin, client, admin):
    response = post_texts(signed_in_admin, LegalKind.IMPRESSUM, "save",
                          "# Praxis Sonnenschein\nInhaberin: Dr. Ada Admin",
                          "# Practice Sunshine\nOwner: Dr Ada Admin")
    assert response.status_code == 303
    texts = saved()
    german = texts[LegalKind.IMPRESSUM, "de"]
    assert german.source == "# Praxis Sonnenschein\nInhaberin: Dr. Ada Admin\n"
    assert texts[LegalKind.IMPRESSUM, "de"].updated_by_id == admin.id
    assert texts[LegalKind.IMPRESSUM, "de"].updated_at == FIXED_NOW
    assert (LegalKind.PRIVACY, "de") not in texts
    visitor = client.application.test_client()
    german = main_of(visitor.get("/impressum"))
    assert "<h2>Praxis Sonnenschein</h2>" in german and "Inhaberin: Dr. Ada Admin" in german
    assert "Vorlage." not in german
    english = main_of(visitor.get("/impressum?lang=en"))
    assert "<h2>Practice Sunshine</h2>" in english and "Template." not in english
    # The other text is still the template.
    assert "Vorlage." in main_of(visitor.get("/datenschutz"))


def test_a_saved_text_fills_its_placeholders_from_the_settings_at_every_request(
        app, signed_in_admin, client):
    post_texts(signed_in_admin, LegalKind.PRIVACY, "save",
               "Gelöscht wird: {{retention_completed}}. Halten: {{hold_minutes}} Min. {{nope}}",
               "Erased: {{ retention_completed }}.")
    visitor = client.application.test_client()
    assert "bis 365 Tage nach dem Termin" in main_of(visitor.get("/datenschutz"))
    reconfigure(app, RETENTION_DAYS=30, BOOKING_HOLD_MINUTES=45)
    page = main_of(visitor.get("/datenschutz"))
    assert "Gelöscht wird: bis 30 Tage nach dem Termin" in page
    assert "Halten: 45 Min." in page
    assert "{{nope}}" in page  # an unknown placeholder shows as written: a typo is seen
    assert "Erased: until 30 days after" in main_of(visitor.get("/privacy?lang=en"))


def test_the_preview_shows_the_text_as_visitors_would_read_it_and_saves_nothing(
        signed_in_admin):
    response = post_texts(signed_in_admin, LegalKind.PRIVACY, "preview",
                          "# Hinweise\nHaltezeit {{hold_minutes}} Minuten, [Name eintragen]",
                          "# Notice\nHeld for {{hold_minutes}} minutes")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h2>Hinweise</h2>" in page and "Haltezeit 30 Minuten" in page
    assert "<mark>[Name eintragen]</mark>" in page and "<h2>Notice</h2>" in page
    # What was typed stays in the form, to be changed or saved.
    assert "Haltezeit {{hold_minutes}} Minuten" in page
    assert saved() == {}


@pytest.mark.parametrize("action", ["preview", "save"])
def test_the_sanitiser_strips_scripts_event_handlers_foreign_images_and_script_links(
        signed_in_admin, client, action):
    response = post_texts(signed_in_admin, LegalKind.IMPRESSUM, action, HOSTILE, HOSTILE)
    if action == "save":
        page = main_of(client.application.test_client().get("/impressum"))
        html = page[page.index('<div class="legal">'):]
    else:  # the preview, not the form that still holds what was typed
        page = response.get_data(as_text=True)
        html = page[page.index('<div class="legal" lang="de">'):page.index("</section>")]
    assert "Praxis Sonnenschein" in html
    assert "<script" not in html and "alert(" not in html.replace("(javascript:alert(2))", "")
    assert "onerror" not in html and "onclick" not in html
    assert "tracker.example" not in html
    assert 'href="javascript' not in html
    assert '<a href="https://www.ptk.example/" rel="noopener noreferrer">Kammer</a>' in html


def test_a_text_that_cannot_be_saved_says_why_and_changes_nothing(signed_in_admin):
    post_texts(signed_in_admin, LegalKind.IMPRESSUM, "save", "Alt", "Old")
    response = post_texts(signed_in_admin, LegalKind.IMPRESSUM, "save", "  ", "x" * 50_001)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please write the German text" in page or "Bitte schreiben Sie den deutschen" in page
    assert "50000" in page
    texts = saved()
    assert texts[LegalKind.IMPRESSUM, "de"].source == "Alt\n"
    assert texts[LegalKind.IMPRESSUM, "en"].source == "Old\n"


def test_a_text_left_as_the_template_stays_marked_as_the_template(signed_in_admin, client):
    editor = signed_in_admin.get(EDITORS[LegalKind.PRIVACY]).get_data(as_text=True)
    assert "[Name und Kontakt der oder des Datenschutzbeauftragten eintragen" in editor
    response = post_texts(signed_in_admin, LegalKind.PRIVACY, "save",
                          starter("privacy", "de").replace("\n", "\r\n"), "Our own notice")
    assert response.status_code == 303
    assert set(saved()) == {(LegalKind.PRIVACY, "en")}
    # The practice's own words, even in the other language, come before a template.
    page = main_of(client.application.test_client().get("/datenschutz"))
    assert "Our own notice" in page and "nur auf Englisch" in page and "Vorlage." not in page


def test_a_text_saved_in_german_only_is_shown_to_english_visitors_as_german(client, admin):
    db.session.add(LegalText(kind=LegalKind.IMPRESSUM, language="de", source="Nur Deutsch",
                             updated_at=FIXED_NOW, updated_by_id=admin.id))
    db.session.commit()
    page = main_of(client.get("/impressum?lang=en"))
    assert '<div class="legal" lang="de">' in page and "Nur Deutsch" in page
    assert "only available in German" in page and "Template." not in page


def test_a_therapist_who_is_not_admin_can_neither_see_nor_change_the_texts(client,
                                                                         make_therapist):
    therapist = make_therapist()
    therapist.set_password(PASSWORD)
    db.session.commit()
    sign_in(client, therapist.email)
    token = csrf(client)
    assert client.get("/workspace/admin/legal").status_code == 404
    for path in EDITORS.values():
        assert client.get(path).status_code == 404
        assert client.post(path, data={"csrf_token": token, "action": "save",
                                       "source_de": "x", "source_en": "y"}).status_code == 404
    assert saved() == {}


def test_the_overview_shows_what_is_saved_and_what_each_placeholder_shows_now(
        app, signed_in_admin):
    reconfigure(app, BOOKING_HOLD_MINUTES=25)
    post_texts(signed_in_admin, LegalKind.IMPRESSUM, "save", "Eigener Text", "Own text")
    page = signed_in_admin.get("/workspace/admin/legal?lang=en").get_data(as_text=True)
    assert "Saved" in page and "Ada Admin" in page and "Template, not saved yet" in page
    assert re.search(r"<code>\{\{hold_minutes\}\}</code></td><td>25</td>", page)


@pytest.mark.parametrize("path", ["/impressum", "/datenschutz", "/imprint?lang=en",
                                  "/privacy?lang=en"])
def test_the_legal_pages_set_no_cookie_and_stay_light(client, path):
    response = client.get(path)
    assert "Set-Cookie" not in response.headers
    assert len(response.data) <= PAGE_LIMIT, len(response.data)


def test_every_visitor_page_links_both_in_the_visitors_language(client, make_therapist,
                                                                first_session):
    make_therapist()
    for path in ("/book?lang=en", "/book/any?lang=en", "/datenschutz?lang=en"):
        footer = client.get(path).get_data(as_text=True).split('<footer', 1)[1]
        assert 'href="/impressum?lang=en"' in footer, path
        assert 'href="/datenschutz?lang=en"' in footer, path
    footer = client.get("/book").get_data(as_text=True).split('<footer', 1)[1]
    assert 'href="/impressum"' in footer and 'href="/datenschutz"' in footer


def test_the_workspace_links_both_in_the_language_it_is_read_in(client):
    footer = client.get("/workspace/sign-in?lang=en").get_data(as_text=True).split("<footer")[1]
    assert 'href="/impressum?lang=en">Legal notice</a>' in footer
    assert 'href="/datenschutz?lang=en">Privacy</a>' in footer
