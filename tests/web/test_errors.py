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
    "start=yesterday", "start=2026-06-02T07:00:00", "start=%00", "start=" + "9" * 5000,
    "tz=../../etc/passwd", "week=2026-13-45", "source=" + "x" * 500, "speaks=klingon",
])
def test_malformed_parameters_never_break_a_page(client, make_therapist, first_session, query):
    therapist = make_therapist()
    for path in ("/book", f"/book/{therapist.slug}", f"/book/{therapist.slug}/details",
                 "/book/any/details"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 302), (path, query)
