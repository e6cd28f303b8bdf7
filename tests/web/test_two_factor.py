"""A second factor (TOTP): turning it on, signing in with it, each code once."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp

from booking.extensions import db
from tests.web.forms import hidden_inputs
from tests.web.workspace_support import csrf, sign_in


def code_at(secret: str, clock) -> str:
    return pyotp.TOTP(secret).at(clock.now())


def turn_on(client, clock) -> str:
    page = client.get("/workspace/two-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    response = client.post("/workspace/two-factor", data={
        "csrf_token": csrf(client, "/workspace/two-factor"), "code": code_at(secret, clock)})
    assert response.status_code == 303
    return secret


def enter_code(client, code: str):
    form = hidden_inputs(client.get("/workspace/sign-in/code").get_data(as_text=True))
    return client.post("/workspace/sign-in/code", data={**form, "code": code})


def test_with_the_second_factor_the_password_alone_does_not_sign_in(app, client, anna, clock):
    sign_in(client, anna.email)
    secret = turn_on(client, clock)
    browser = app.test_client()
    response = sign_in(browser, anna.email)
    assert response.location.startswith("/workspace/sign-in/code")
    assert browser.get("/workspace/").status_code == 302
    clock.advance(timedelta(seconds=30))
    assert enter_code(browser, code_at(secret, clock)).status_code == 303
    assert browser.get("/workspace/").status_code == 200


def test_each_code_works_once_and_a_wrong_one_not_at_all(app, client, anna, clock):
    sign_in(client, anna.email)
    secret = turn_on(client, clock)
    clock.advance(timedelta(seconds=30))
    code = code_at(secret, clock)
    first, second = app.test_client(), app.test_client()
    sign_in(first, anna.email)
    sign_in(second, anna.email)
    assert enter_code(first, code).status_code == 303
    assert enter_code(second, code).status_code == 401  # replayed
    assert enter_code(second, "000000" if code != "000000" else "111111").status_code == 401
    assert second.get("/workspace/").status_code == 302


def test_the_code_page_needs_a_right_password_first(client, anna):
    response = client.get("/workspace/sign-in/code")
    assert response.status_code == 302 and "/workspace/sign-in" in response.location


def test_a_wrong_code_does_not_turn_the_second_factor_on(client, anna):
    sign_in(client, anna.email)
    response = client.post("/workspace/two-factor", data={
        "csrf_token": csrf(client, "/workspace/two-factor"), "code": "123456"})
    assert response.status_code == 422
    db.session.rollback()
    assert not anna.two_factor


def test_turning_it_off_needs_a_current_code(app, client, anna, clock):
    sign_in(client, anna.email)
    secret = turn_on(client, clock)
    page = "/workspace/two-factor"
    assert client.post(page, data={"csrf_token": csrf(client, page),
                                   "code": "000000"}).status_code == 422
    clock.advance(timedelta(seconds=30))
    assert client.post(page, data={"csrf_token": csrf(client, page),
                                   "code": code_at(secret, clock)}).status_code == 303
    db.session.rollback()
    assert not anna.two_factor
