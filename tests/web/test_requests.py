"""Values no database column can hold are refused at the door, on every page."""

import pytest

from tests.web.workspace_support import csrf, sign_in


@pytest.mark.parametrize("path", ["/book?source=a%00b", "/book/any/details?start=%00",
                                  "/workspace/?q=a%00b", "/workspace/sign-in?next=%00"])
def test_a_nul_character_in_a_parameter_is_a_bad_request_with_a_page_that_says_so(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "Diese Anfrage konnte nicht verarbeitet werden" in response.get_data(as_text=True)


def test_a_nul_character_in_a_form_field_is_a_bad_request_and_saves_nothing(client, anna):
    sign_in(client, anna.email)
    page = "/workspace/password"
    response = client.post(page, data={"csrf_token": csrf(client, page), "current": "a\x00b",
                                       "new": "x" * 12, "repeat": "x" * 12})
    assert response.status_code == 400


def test_an_id_larger_than_any_record_is_not_found(client, anna):
    sign_in(client, anna.email)
    assert client.get("/workspace/bookings/" + "9" * 30).status_code == 404
