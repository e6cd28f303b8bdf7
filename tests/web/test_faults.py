"""No request is answered with a 5xx or a traceback: every method on every route,
with real, fake and hostile path values, no CSRF token and an empty body, signed
out and signed in (on PostgreSQL too, where a NUL in a query used to fail)."""

from __future__ import annotations

import pytest

from tests.web.url_map_walk import (
    EVERY_METHOD,
    IDENTITIES,
    UNMATCHED,
    Practice,
    make_practice,
    paths_of,
    rules_of,
    signed_in_as,
)


@pytest.fixture
def practice(make_therapist, first_session) -> Practice:
    return make_practice(make_therapist, first_session)


def check_answered(response, where: str) -> None:
    assert response.status_code < 500, where
    assert b"Traceback" not in response.data, where


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_method_on_every_route_is_answered_without_a_server_error(
        app, client, practice, identity):
    signed_in_as(client, identity, practice)
    for rule in rules_of(app):
        for path in paths_of(rule, practice):
            for method in EVERY_METHOD:
                with client.open(path, method=method) as response:
                    check_answered(response, f"{identity}: {method} {path[:80]}")
    for path in UNMATCHED:
        for method in EVERY_METHOD:
            with client.open(path, method=method) as response:
                check_answered(response, f"{identity}: {method} {path[:80]}")


def test_options_on_the_admin_area_signed_out_leads_to_sign_in(client):
    response = client.options("/workspace/admin/")
    assert response.status_code == 302
    assert "/workspace/sign-in" in response.location


@pytest.mark.parametrize("path", ["/book/x%00/details", "/book/x%00", "/b/x%00/confirm",
                                  "/workspace/reset/x%00"])
def test_a_nul_in_a_path_value_names_nothing(client, first_session, path):
    assert client.get(path).status_code == 404


def test_no_view_sees_a_path_value_with_a_nul_or_an_overlong_segment(app, client):
    app.add_url_rule("/probe/<value>", "probe", lambda value: "seen")
    assert client.get("/probe/" + "x" * 1000).status_code == 200
    assert client.get("/probe/" + "x" * 1001).status_code == 404
    assert client.get("/probe/x%00").status_code == 404
