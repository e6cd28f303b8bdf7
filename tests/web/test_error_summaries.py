"""Every workspace form that comes back with errors opens with the error summary: each
problem once, linked to its field, in the field's own words."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from booking.extensions import db
from booking.models import MessageKind, Therapist
from booking.services import busy_calendars
from booking.settings import current_settings
from booking.tokens import account_token
from tests.conftest import FIXED_NOW
from tests.support import reconfigure
from tests.web.workspace_support import PASSWORD, csrf

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


def assert_summarised(answer, field: str, target: str) -> None:
    """Refused with 422, and the page opens with a summary of one link: to the control
    with id `target`, in the words of the message shown at `field`."""
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
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
