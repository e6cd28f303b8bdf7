"""Every workspace form that comes back with errors opens with the error summary: each
problem once, linked to its field, in the field's own words."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import MessageKind, OutboxMessage, Therapist
from booking.services import busy_calendars, two_factor
from booking.settings import current_settings
from booking.tokens import account_token
from tests.conftest import FIXED_NOW
from tests.support import reconfigure
from tests.web.workspace_support import PASSWORD, csrf, sign_in

ADMIN = "/workspace/admin"
RULES = {"buffer_before_minutes": "0", "buffer_after_minutes": "0",
         "minimum_notice_hours": "12", "horizon_days": "60", "slot_step_minutes": "30",
         "languages": "de"}

# (page with the form, address it posts to, what is posted, the field refused, the id
# its summary link leads to)
CASES = {
    "practice details": (f"{ADMIN}/details", None,
                         {"name": "", "email": "praxis@example.org"}, "name", "name"),
    "logo": (f"{ADMIN}/details", f"{ADMIN}/details/logo", {}, "picture", "picture"),
    "legal text": (f"{ADMIN}/legal/impressum", None,
                   {"source_de": "# Impressum", "source_en": "", "action": "preview"},
                   "source_en", "source_en"),
    "booking rules": ("/workspace/rules", None, {**RULES, "horizon_days": "999"},
                      "horizon_days", "horizon_days"),
    "languages": ("/workspace/rules", None, {**RULES, "languages": []},
                  "languages", "languages-0"),
    "hours": ("/workspace/hours", None, {"monday": "17:00-09:00"}, "monday", "monday"),
    "time off": ("/workspace/hours", "/workspace/time-off", {"last_day": "2026-06-10"},
                 "first_day", "first_day"),
    "photo": ("/workspace/profile", "/workspace/profile/photo", {}, "picture", "picture"),
    "password": ("/workspace/password", None,
                 {"current": "x", "new": "kurz", "repeat": "kurz"}, "new", "new"),
    "invite": (f"{ADMIN}/team", None, {"name": "", "email": "neu@example.org"},
               "name", "name"),
    "team member": (f"{ADMIN}/team/{{admin_id}}", None,
                    {"display_name": "Ada Admin", "email": "", "timezone": "Europe/Berlin",
                     "admin": "y"}, "email", "email"),
    "closing days": (f"{ADMIN}/closing-days", None,
                     {"first_day": "2026-06-10", "last_day": "2026-06-05"},
                     "last_day", "last_day"),
    "free consultation exception": (f"{ADMIN}/exceptions", None, {"email": ""},
                                    "email", "email"),
}


@pytest.mark.parametrize(("page", "action", "data", "field", "target"), CASES.values(),
                         ids=CASES.keys())
def test_a_refused_form_is_summarised_first_with_a_link_to_the_field_in_its_words(
        signed_in_admin, admin, page, action, data, field, target):
    page = page.format(admin_id=admin.id)
    answer = signed_in_admin.post(action or page,
                                  data={"csrf_token": csrf(signed_in_admin, page), **data})
    assert_summarised(answer, field, target)


def assert_summarised(answer, field: str, target: str, status: int = 422) -> None:
    """Refused (422 unless told), and the page opens with a summary of one link: to the
    control with id `target`, in the words of the message shown at `field`."""
    text = answer.get_data(as_text=True)
    assert answer.status_code == status
    message = re.search(rf'<p class="error" id="{field}-error">([^<]+)</p>', text).group(1)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', text, re.S).group(1)
    assert re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary) == [(target, message)]
    assert re.search(rf'<(input|textarea|select)[^>]* id="{target}"', text)


BUSY_CALENDARS = "/workspace/busy-calendars"


@pytest.mark.parametrize(("data", "field"), [
    ({"url": ""}, "url"),
    ({"url": "https://kalender.example.org/privat.ics", "label": "x" * 121}, "label"),
    ({"url": "http://169.254.169.254/latest/meta-data/"}, "url"),
], ids=["no address", "name too long", "address refused by the service"])
def test_a_refused_busy_calendar_is_summarised_and_nothing_is_saved(
        app, signed_in_admin, admin, data, field):
    reconfigure(app, BUSY_ALLOWED_HOSTS=())
    answer = signed_in_admin.post(BUSY_CALENDARS, data={
        "csrf_token": csrf(signed_in_admin, BUSY_CALENDARS), **data})
    assert_summarised(answer, field, field)
    db.session.rollback()
    assert busy_calendars.busy_calendars_of(admin.id) == []


@pytest.mark.parametrize(("purpose", "path"), [
    (MessageKind.PASSWORD_RESET, "/workspace/reset/{token}"),
    (MessageKind.INVITATION, "/workspace/welcome/{token}"),
], ids=["reset", "invitation"])
@pytest.mark.parametrize(("new", "repeat", "field"), [
    ("kurz", "kurz", "new"),
    ("lange-genug-456", "lange-genug-789", "repeat"),
], ids=["too short", "repeated differently"])
def test_a_refused_password_from_a_link_is_summarised_and_the_link_still_works(
        client, anna, purpose, path, new, repeat, field):
    token = account_token(current_settings().secret_key, purpose.value, anna.id,
                          anna.account_fingerprint, expires=FIXED_NOW + timedelta(hours=1))
    path = path.format(token=token)
    answer = client.post(path, data={"csrf_token": csrf(client, path),
                                     "new": new, "repeat": repeat})
    assert_summarised(answer, field, field)
    db.session.rollback()
    assert anna.check_password(PASSWORD)
    assert client.get(path).status_code == 200  # not used up


def test_taking_away_ones_own_admin_role_is_summarised_and_tied_to_the_checkbox(
        signed_in_admin, admin):
    page = f"{ADMIN}/team/{admin.id}"
    answer = signed_in_admin.post(page, data={
        "csrf_token": csrf(signed_in_admin, page), "display_name": admin.display_name,
        "email": admin.email, "timezone": admin.timezone})  # the box left unticked
    assert_summarised(answer, "admin", "admin")
    checkbox = re.search(r'<input[^>]* id="admin"[^>]*>', answer.get_data(as_text=True))
    assert 'aria-describedby="admin-error"' in checkbox.group(0)
    db.session.rollback()
    assert db.session.get(Therapist, admin.id).is_admin


def a_wrong_code(secret: str, now) -> str:
    """Six digits that are none of the codes accepted around `now` for `secret`."""
    near = {pyotp.TOTP(secret).at(now, counter_offset=k) for k in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555")
                if code not in near)


def test_a_refused_sign_in_form_is_summarised_and_signs_nobody_in(client, anna):
    answer = sign_in(client, "", PASSWORD)
    assert_summarised(answer, "email", "email")
    assert client.get("/workspace/").status_code == 302


def test_a_refused_reset_request_is_summarised_and_sends_nothing(client, anna):
    page = "/workspace/forgot"
    answer = client.post(page, data={"csrf_token": csrf(client, page), "email": ""})
    assert_summarised(answer, "email", "email")
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.parametrize(("wrong", "status"), [(False, 422), (True, 401)],
                         ids=["no code", "wrong code"])
def test_a_refused_sign_in_code_is_summarised_and_signs_nobody_in(
        client, anna, clock, wrong, status):
    secret = two_factor.new_secret()
    assert two_factor.enable(anna.id, secret=secret,
                             code=pyotp.TOTP(secret).at(clock.now()), now=clock.now())
    sign_in(client, anna.email)
    page = "/workspace/sign-in/code"
    answer = client.post(page, data={"csrf_token": csrf(client, page),
                                     "code": a_wrong_code(secret, clock.now()) if wrong else ""})
    assert_summarised(answer, "code", "code", status=status)
    assert client.get("/workspace/").status_code == 302


@pytest.mark.parametrize("wrong", [False, True], ids=["no code", "wrong code"])
def test_a_refused_code_for_the_second_factor_is_summarised_and_leaves_it_off(
        client, anna, clock, wrong):
    sign_in(client, anna.email)
    page = "/workspace/two-factor"
    secret = re.search(r"<code>([A-Z2-7]+)</code>", client.get(page).get_data(as_text=True))
    answer = client.post(page, data={
        "csrf_token": csrf(client, page),
        "code": a_wrong_code(secret.group(1), clock.now()) if wrong else ""})
    assert_summarised(answer, "code", "code")
    db.session.rollback()
    assert not db.session.get(Therapist, anna.id).two_factor


def test_a_wrong_current_password_is_summarised_at_its_field_and_changes_nothing(
        client, anna):
    sign_in(client, anna.email)
    page = "/workspace/password"
    answer = client.post(page, data={"csrf_token": csrf(client, page),
                                     "current": "falsch-falsch-1",
                                     "new": "ein-neues-passwort",
                                     "repeat": "ein-neues-passwort"})
    assert_summarised(answer, "current", "current")
    db.session.rollback()
    assert db.session.get(Therapist, anna.id).check_password(PASSWORD)
