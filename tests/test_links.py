"""Absolute links are built on BASE_URL with the app's URL map, with no request."""

from flask import has_request_context

from booking.settings import settings_of
from tests.support import reconfigure


def test_links_carry_base_url_with_its_path_and_put_other_values_in_the_query(app):
    reconfigure(app, BASE_URL="https://termine.praxis.example/buchen")
    assert not has_request_context()
    links = settings_of(app).links
    assert links.url("public.manage", token="abc", lang="en") == (
        "https://termine.praxis.example/buchen/b/abc?lang=en")
    assert links.url("feeds.feed", token="t0k") == (
        "https://termine.praxis.example/buchen/feeds/t0k.ics")
