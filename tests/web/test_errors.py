"""Bad addresses and bad input get a page in the visitor's language, never a traceback."""

import pytest


@pytest.mark.parametrize("path", [
    "/book/nobody", "/b/unknown-token", "/book/requested/nope", "/nothing-here",
])
def test_unknown_addresses_get_a_friendly_not_found_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "start=yesterday", "start=2026-06-02T07:00:00", "start=" + "9" * 5000,
    "tz=../../etc/passwd", "week=2026-13-45", "source=" + "x" * 500, "speaks=klingon",
])
def test_malformed_parameters_never_break_a_page(client, make_therapist, first_session, query):
    therapist = make_therapist()
    for path in ("/book", f"/book/{therapist.slug}", f"/book/{therapist.slug}/details",
                 "/book/any/details"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 302), (path, query)


@pytest.mark.parametrize("query", [
    "week=9999-12-31", "week=0001-01-01", "start=9999-12-31T23:59:59%2B00:00",
    "start=0001-01-01T00:00:00%2B14:00",
])
def test_dates_at_the_ends_of_the_calendar_never_break_a_page(
        client, make_therapist, first_session, query):
    therapist = make_therapist()
    for path in (f"/book/{therapist.slug}", "/book/any", f"/book/{therapist.slug}/details"):
        assert client.get(f"{path}?{query}").status_code in (200, 302), (path, query)


def test_the_language_switch_passes_on_only_the_visits_own_parameters(
        client, make_therapist, first_session):
    page = client.get("/book?_external=1&_anchor=x&source=artikel",
                      headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in page
    assert 'href="/book?source=artikel&amp;lang=en"' in page
