"""Static files: addresses that name their content, kept by browsers for a year."""

from __future__ import annotations

import re


def test_pages_link_static_files_by_content_and_those_are_kept_for_a_year(client, first_session):
    page = client.get("/book").get_data(as_text=True)
    [css] = re.findall(r'href="(/static/site\.css\?v=[0-9a-f]{12})"', page)
    with client.get(css) as answer:
        assert answer.status_code == 200
        assert answer.cache_control.max_age == 365 * 24 * 3600
        assert answer.cache_control.public and answer.cache_control.immutable


def test_a_static_address_with_an_old_hash_is_not_kept(client):
    with client.get("/static/site.css?v=000000000000") as answer:
        assert answer.status_code == 200
        assert answer.cache_control.max_age != 365 * 24 * 3600
        assert not answer.cache_control.immutable


def test_a_changed_file_gets_a_new_address(app, tmp_path):
    from booking.web.static_files import content_hash

    (tmp_path / "x.css").write_text("a {}")
    first = content_hash(str(tmp_path), "x.css")
    (tmp_path / "x.css").write_text("b { color: red }")
    assert content_hash(str(tmp_path), "x.css") != first
    assert content_hash(str(tmp_path), "../etc/passwd") is None
