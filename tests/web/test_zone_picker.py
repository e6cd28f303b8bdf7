"""The time-zone picker: zones by city and country in the page's language, current
names only, the visitor's own first, and a search that works without JavaScript."""

import re
from html import unescape

import pytest

from booking.extensions import db


@pytest.fixture
def anna(make_therapist, first_session):
    therapist = make_therapist()
    therapist.slug = "anna"
    db.session.commit()
    return therapist


def options(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', page)


def test_zones_are_named_by_city_and_country_in_the_page_language(client, anna):
    german = dict(options(client.get("/book/anna?tz=Europe/Berlin").get_data(as_text=True)))
    english = dict(options(client.get("/book/anna?tz=Europe/Berlin&lang=en").get_data(
        as_text=True)))
    assert german["Europe/Vienna"] == "Wien, Österreich (UTC+2)"  # summer time
    assert english["Europe/Vienna"] == "Vienna, Austria (UTC+2)"
    assert german["Asia/Kolkata"] == "Kalkutta, Indien (UTC+5:30)"
    assert german["Etc/UTC"] == "UTC"


def test_the_visitors_zone_comes_first_then_the_common_ones(client, anna):
    page = client.get("/book/anna?tz=America/Sao_Paulo").get_data(as_text=True)
    first, second = options(page)[:2]
    assert first == ("America/Sao_Paulo", "São Paulo, Brasilien (UTC−3)")
    assert second[0] == "Europe/Berlin"
    assert re.search(r'<optgroup label="Häufig gewählt">', page)


def test_old_aliases_are_never_offered(client, anna):
    page = client.get("/book/anna?tz=Europe/Berlin&zones=all").get_data(as_text=True)
    names = {name for name, _ in options(page)}
    assert "Asia/Ho_Chi_Minh" in names and "Europe/Kyiv" in names
    assert not {"Asia/Saigon", "Europe/Kiev", "Asia/Calcutta"} & names
    assert not [n for n in names if n.startswith(("US/", "Canada/", "Etc/GMT"))]


def test_the_full_list_is_grouped_by_region_in_the_page_language(client, anna):
    page = client.get("/book/anna?tz=Europe/Berlin&zones=all").get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)"', page)
    assert groups[:3] == ["Häufig gewählt", "Europa", "Amerika"]
    assert "Indischer Ozean" in groups


@pytest.mark.parametrize(("query", "zone"), [("zurich", "Europe/Zurich"),
                                             ("Japan", "Asia/Tokyo"),
                                             ("Tokyo", "Asia/Tokyo"),  # English names too
                                             ("Saigon", None),
                                             ("ho chi", "Asia/Ho_Chi_Minh")])
def test_the_search_finds_zones_by_city_or_country_without_script(client, anna, query, zone):
    page = client.get(f"/book/anna?tz=Europe/Berlin&week=2026-06-08&zq={query}").get_data(
        as_text=True)
    found = [unescape(href) for href in re.findall(
        r'<div class="zone-found".*?</div>', page, re.S)[0].split('href="')[1:]]
    if zone is None:
        assert not found and "Keine Zeitzone für „Saigon“ gefunden" in page
        return
    assert any(f"tz={zone}" in link for link in found)
    # Following a result keeps the visit: the week, and nothing of the search.
    assert all("week=2026-06-08" in link and "zq=" not in link for link in found)
    assert 'value="Europe/Berlin" selected' in page  # the page stays in its zone


def test_a_search_result_shows_the_times_in_that_zone(client, anna):
    page = client.get("/book/anna?tz=Europe/Berlin&zq=Tokio").get_data(as_text=True)
    [link] = re.findall(r'<div class="zone-found".*?href="([^"]+)"', page, re.S)
    shown = client.get(unescape(link)).get_data(as_text=True)
    assert 'value="Asia/Tokyo" selected>Tokio, Japan (UTC+9)' in shown


def test_the_search_works_on_the_team_and_the_move_pages_too(client, anna, make_booking,
                                                            token_of):
    token = token_of(make_booking(anna))
    for url in ("/book?zq=Tokio", f"/b/{token}/reschedule?week=2026-06-08&zq=Tokio"):
        page = client.get(url).get_data(as_text=True)
        assert 'name="zq"' in page and "Tokio, Japan (UTC+9)</a>" in page, url


@pytest.mark.parametrize(("lang", "query", "label"), [
    ("en", "Wien", "Vienna, Austria (UTC+2)"),  # the German name on the English page
    ("de", "Vienna", "Wien, Österreich (UTC+2)"),  # and the English one on the German
    ("en", "Österreich", "Vienna, Austria (UTC+2)"),
    ("en", "europe/vienna", "Vienna, Austria (UTC+2)"),  # the IANA name too
])
def test_the_search_knows_german_and_english_names_on_either_page(client, anna, lang, query,
                                                                 label):
    page = client.get(f"/book/anna?tz=Europe/Berlin&week=2026-06-08&lang={lang}&zq={query}"
                      ).get_data(as_text=True)
    [found] = re.findall(r'<div class="zone-found".*?</div>', page, re.S)
    assert "tz=Europe/Vienna" in unescape(found) and f">{label}</a>" in found


@pytest.mark.parametrize(("lang", "zone", "note"), [
    ("de", "Etc/UTC", "Uhrzeiten in UTC."),
    ("en", "UTC", "Times in UTC."),
    ("de", "America/New_York",
     "Uhrzeiten in New York, Vereinigte Staaten (Nordamerikanische Ostküstenzeit)."),
    ("en", "Europe/Vienna", "Times in Vienna, Austria (Central European Time)."),
])
def test_the_zone_note_names_the_place_and_utc_plainly(client, anna, lang, zone, note):
    page = client.get(f"/book/anna?tz={zone}&week=2026-06-08&lang={lang}").get_data(
        as_text=True)
    [shown] = re.findall(r'<p class="zone-note">(.*?)</p>', page, re.S)
    assert unescape(shown) == note
    assert "Unknown Region" not in page and "Unbekannte Region" not in page
