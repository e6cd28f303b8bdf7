"""From the admin's Markdown to the HTML visitors get: only harmless tags, links that
cannot run script or reach back, images only from this service, placeholders filled
with escaped values, blanks marked."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from booking.legal import starter
from booking.legal.facts import PLACEHOLDERS, LegalFacts
from booking.legal.render import blanks, fill, to_html

CONFIG = {"PRACTICE_NAME": "Praxis Sonnenschein", "PRACTICE_EMAIL": "praxis@sonne.example",
          "PRACTICE_PHONE": "", "BASE_URL": "https://termine.sonne.example",
          "BOOKING_HOLD_MINUTES": 30, "RETENTION_DAYS": 365, "RETENTION_CANCELLED_DAYS": 90,
          "RETENTION_UNCONFIRMED_DAYS": 7,
          "MAIL_URL": "smtps://u:p@mail.provider.example:465"}


@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    "<style>body { display: none }</style>",
    '<form action="https://evil.example"><input name="pw"></form>',
    '<p style="background: url(https://evil.example/t.gif)" onclick="alert(1)">x</p>',
])
def test_nothing_that_runs_script_loads_from_elsewhere_or_submits_survives(hostile):
    elements = Elements()
    elements.feed(str(to_html(hostile, {})))
    assert elements.tags <= {"p", "a", "img"}, elements.tags
    for name, value in elements.attributes:
        assert name in {"href", "rel", "src", "alt"}, name
        assert not value.startswith(("javascript:", "data:", "x")) and "evil" not in value
    assert "alert" not in " ".join(elements.texts) or hostile.startswith("[x]")


class Elements(HTMLParser):
    """The tags, attributes and texts of an HTML fragment, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)

    def handle_data(self, data):
        self.texts.append(data)


def test_links_keep_their_address_and_open_no_way_back():
    html = to_html("[Kammer](https://www.ptk.example/) <mailto:praxis@sonne.example>", {})
    assert '<a href="https://www.ptk.example/" rel="noopener noreferrer">Kammer</a>' in html
    assert 'href="mailto:praxis@sonne.example" rel="noopener noreferrer"' in html


def test_images_come_only_from_this_service():
    html = to_html('![Logo](/static/logo.png) ![Spy](https://tracker.example/p.gif) '
                   '<img src="//tracker.example/q.gif" alt="spy">', {})
    assert '<img src="/static/logo.png" alt="Logo">' in html
    assert "tracker.example" not in html and html.count("<img") == 1


def test_the_texts_top_heading_sits_below_the_pages_title():
    html = to_html("# Angaben\n## Kontakt\n### Kammer", {})
    assert "<h2>Angaben</h2>" in html and "<h2>Kontakt</h2>" in html
    assert "<h3>Kammer</h3>" in html and "<h1>" not in html


def test_placeholders_are_filled_with_escaped_values_and_unknown_ones_stay():
    html = to_html("Praxis: {{practice_name}}, {{ practice_name }}; {{typo}}",
                   {"practice_name": "<b>Sonne & Mond</b>"})
    assert "Praxis: &lt;b&gt;Sonne &amp; Mond&lt;/b&gt;, &lt;b&gt;Sonne" in html
    assert "{{typo}}" in html and "<b>" not in html


def test_a_placeholder_is_no_template_engine():
    html = to_html("{{ config }} {% for x in range(9) %}{{ ''.__class__ }}{% endfor %}", {})
    assert "{{ config }}" in html and "{% for x in range(9) %}" in html


def test_blanks_are_marked_and_counted_once_each():
    source = "[Name eintragen]\n[Name eintragen] und [Enter the town] aber [Link](/x)"
    html = to_html(source, {})
    assert html.count("<mark>[Name eintragen]</mark>") == 2
    assert "<mark>[Enter the town]</mark>" in html and "<mark>[Link]" not in html
    assert blanks(source) == ["[Name eintragen]", "[Enter the town]"]


def test_a_new_line_stays_a_new_line():
    assert "Praxis Sonnenschein<br>\nHauptstraße 1" in to_html(
        "Praxis Sonnenschein\nHauptstraße 1", {})


@pytest.mark.parametrize("kind", ["impressum", "privacy"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_each_starter_has_blanks_and_only_known_placeholders(kind, language):
    source = starter(kind, language)
    facts = LegalFacts.of(CONFIG)
    assert blanks(source)
    filled = fill(source, facts.placeholders(language))
    assert "{{" not in filled
    assert set(PLACEHOLDERS) == set(facts.placeholders(language))


def test_facts_say_what_the_settings_say_and_name_a_blank_for_what_they_do_not_know():
    facts = LegalFacts.of(CONFIG, video_hosts=("meet.sonne.example",))
    german, english = facts.placeholders("de"), facts.placeholders("en")
    assert german["retention_completed"].startswith("bis 365 Tage nach dem Termin")
    assert english["retention_cancelled"].startswith("until 90 days after the cancellation")
    assert german["mail_server"] == "mail.provider.example"
    assert german["video_services"] == "meet.sonne.example"
    assert german["practice_phone"] == "[Telefonnummer eintragen]"
    assert blanks(german["practice_phone"]) and blanks(english["practice_phone"])
    files = LegalFacts.of({**CONFIG, "MAIL_URL": "file:///srv/mail",
                           "RETENTION_UNCONFIRMED_DAYS": 1})
    assert blanks(files.placeholders("de")["mail_server"])
    assert blanks(files.placeholders("en")["video_services"])
    assert files.placeholders("de")["retention_unconfirmed"].startswith("bis 1 Tag nach")
    kept = LegalFacts.of({**CONFIG, "RETENTION_DAYS": 0}).placeholders("de")
    assert kept["retention_cancelled"].startswith("bis 90 Tage nach der Absage")
    assert kept["retention_completed"].startswith("bis die Praxis sie löscht")

