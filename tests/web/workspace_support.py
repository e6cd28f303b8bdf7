"""Signing in to the workspace as a browser would, for the workspace tests."""

from tests.web.forms import hidden_inputs

PASSWORD = "lange-genug-123"


def sign_in(client, email, password=PASSWORD):
    form = hidden_inputs(client.get("/workspace/sign-in").get_data(as_text=True))
    return client.post("/workspace/sign-in", data={**form, "email": email, "password": password})


def csrf(client, page="/workspace/") -> str:
    """The CSRF token of `page`, to post a form from it."""
    return hidden_inputs(client.get(page).get_data(as_text=True))["csrf_token"]
