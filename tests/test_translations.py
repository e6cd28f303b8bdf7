"""Every visitor-facing text exists in German (formal) and English."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "booking/translations/de/LC_MESSAGES/messages.po"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    found = set()
    for folder, method in (("booking", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.*"
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[(pattern, method)], keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_text_in_code_and_templates_has_a_german_translation():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(source_messages() - translated)
    assert missing == [], "run `make translations` and translate these in " + str(CATALOG)


def test_german_is_the_default_language(client, make_therapist, first_session):
    page = client.get("/book").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Unser Team" in page
    assert "Kostenfreies Erstgespräch buchen" in page


def test_a_browser_asking_for_english_gets_english(client, make_therapist, first_session):
    page = client.get("/book", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(
        as_text=True)
    assert "Our team" in page


def test_lang_overrides_the_browser_and_is_remembered(client, make_therapist, first_session):
    client.get("/book?lang=en", headers={"Accept-Language": "de"})
    assert "Our team" in client.get("/book", headers={"Accept-Language": "de"}).get_data(
        as_text=True)


def test_form_errors_speak_the_visitors_language(client, make_therapist, first_session):
    therapist = make_therapist()
    url = f"/book/{therapist.slug}/details?start=2026-06-02T07:00:00%2B00:00"
    page = client.get(url).get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(url, data={"csrf_token": token, "start": "2026-06-02T07:00:00+00:00",
                                      "email": "kaputt@", "mode": "alone"})
    text = response.get_data(as_text=True)
    assert "Bitte geben Sie Ihren Namen ein." in text
    assert "Bitte geben Sie eine gültige E-Mail-Adresse ein." in text
