"""Every visitor-facing text exists in German (formal) and English."""

import os
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.support import Translations

from tests.catalogues import compile_catalogues, stale_catalogues

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


def test_german_texts_name_people_of_any_gender_in_one_way():
    # "Klient/in", "Therapeut/innen" as in the workspace, or both forms written out:
    # a page mixing "Klient:innen" and "Klient/in" reads as written by different hands.
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    texts = [m.string if isinstance(m.string, str) else " ".join(m.string)
             for m in catalog if m.id]
    other_forms = [text for text in texts if re.search(r"\w[:*_]in(nen)?\b", text)]
    assert other_forms == []


def test_german_is_the_default_language(client, make_therapist, first_session):
    page = client.get("/book").get_data(as_text=True)
    assert '<html lang="de">' in page
    assert "Unser Team" in page
    assert "Kostenfreies Erstgespräch buchen" in page


def test_a_browser_asking_for_english_gets_english(client, make_therapist, first_session):
    page = client.get("/book", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(
        as_text=True)
    assert "Our team" in page


def test_lang_overrides_the_browser_and_the_workspace_remembers_it(client, make_therapist,
                                                                   first_session):
    german = {"Accept-Language": "de"}
    assert "Our team" in client.get("/book?lang=en", headers=german).get_data(as_text=True)
    client.get("/workspace/sign-in?lang=en", headers=german)
    assert '<html lang="en">' in client.get("/workspace/sign-in", headers=german).get_data(
        as_text=True)
    # Visitor pages keep no session: their links carry ?lang= instead (test_visitor_cookies).
    assert "Unser Team" in client.get("/book", headers=german).get_data(as_text=True)


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


@pytest.fixture
def translations(tmp_path) -> Path:
    """A copy of the German catalogue source, not yet compiled (as in a fresh clone)."""
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(CATALOG, folder / "messages.po")
    return tmp_path


def test_a_plain_pytest_compiles_a_missing_catalogue(translations):
    assert stale_catalogues(translations) == [translations / "de/LC_MESSAGES/messages.po"]
    compile_catalogues(translations)
    assert stale_catalogues(translations) == []
    german = Translations.load(translations, ["de"])
    assert german.gettext("Our team") == "Unser Team"


def test_a_catalogue_changed_since_it_was_compiled_is_compiled_again(translations):
    compile_catalogues(translations)
    po = translations / "de/LC_MESSAGES/messages.po"
    mo = po.with_suffix(".mo")
    os.utime(mo, (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    assert stale_catalogues(translations) == [po]
    compile_catalogues(translations)
    assert mo.stat().st_mtime >= po.stat().st_mtime


def test_a_catalogue_that_cannot_be_compiled_stops_the_run_saying_to_run_make_test(
        translations):
    (translations / "de/LC_MESSAGES/messages.mo").mkdir()  # in the way of the file
    os.utime(translations / "de/LC_MESSAGES/messages.mo", (0, 0))
    with pytest.raises(pytest.exit.Exception, match="Run `make test`"):
        compile_catalogues(translations)
    assert list((translations / "de/LC_MESSAGES").glob("*.partial")) == []
