"""Password reset and invitations: single-use links that expire and name one account."""

from __future__ import annotations

import email
import re
from datetime import timedelta
from email import policy as email_policy
from pathlib import Path

import pytest
from sqlalchemy import select

from booking import worker
from booking.extensions import db
from booking.models import OutboxMessage, Therapist
from tests.web.forms import hidden_inputs
from tests.web.workspace_support import sign_in

NEW_PASSWORD = "ein-ganz-neues-passwort"


@pytest.fixture
def mailbox(app, tmp_path) -> Path:
    app.config["MAIL_URL"] = f"file://{tmp_path / 'mail'}"
    return tmp_path / "mail"


def link_in_mail(app, mailbox: Path, kind: str) -> str:
    worker.drain(app)
    [mail] = mailbox.glob(f"{kind}.*.eml")
    text = email.message_from_bytes(mail.read_bytes(), policy=email_policy.default)
    return re.search(r"http://\S+", text.get_body(("plain",)).get_content()).group(0).split(
        "5000", 1)[1]


def forgot(client, address: str):
    form = hidden_inputs(client.get("/workspace/forgot").get_data(as_text=True))
    return client.post("/workspace/forgot", data={**form, "email": address})


def set_password(client, path: str, password: str = NEW_PASSWORD):
    form = hidden_inputs(client.get(path).get_data(as_text=True))
    return client.post(path, data={**form, "new": password, "repeat": password})


def queued_kinds() -> list[str]:
    db.session.rollback()
    return [m.kind for m in db.session.scalars(select(OutboxMessage))]


def test_asking_for_a_reset_answers_the_same_for_known_and_unknown_addresses(client, anna):
    known, unknown = forgot(client, anna.email), forgot(client, "nobody@example.org")
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    assert queued_kinds() == ["password_reset"]


def test_a_reset_link_sets_a_new_password_once(app, client, anna, mailbox):
    forgot(client, anna.email)
    path = link_in_mail(app, mailbox, "password_reset")
    assert set_password(client, path).status_code == 303
    assert sign_in(app.test_client(), anna.email, NEW_PASSWORD).status_code == 303
    again = client.get(path)
    assert again.status_code == 404
    assert "funktioniert nicht mehr" in again.get_data(as_text=True)


def test_a_reset_link_expires_after_an_hour(app, client, anna, mailbox, clock):
    forgot(client, anna.email)
    path = link_in_mail(app, mailbox, "password_reset")
    clock.advance(timedelta(minutes=59))
    assert client.get(path).status_code == 200
    clock.advance(timedelta(minutes=1))
    assert client.get(path).status_code == 404


def test_a_reset_link_stops_working_when_the_password_changes_otherwise(
        app, client, anna, mailbox):
    forgot(client, anna.email)
    path = link_in_mail(app, mailbox, "password_reset")
    db.session.rollback()  # a fresh transaction: the requests have written since
    anna.set_password("anders-gesetzt-123")
    db.session.commit()
    assert client.get(path).status_code == 404


def test_a_link_names_its_account_and_purpose(app, client, anna, mailbox):
    forgot(client, anna.email)
    path = link_in_mail(app, mailbox, "password_reset")
    token = path.split("/reset/", 1)[1].split("?", 1)[0]
    assert client.get(f"/workspace/welcome/{token}").status_code == 404  # another purpose
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert client.get(f"/workspace/reset/{tampered}").status_code == 404


def test_an_invited_therapist_sets_a_password_and_signs_in(app, client, mailbox):
    result = app.test_cli_runner().invoke(args=[
        "invite-therapist", "--email", "neu@praxis.example", "--name", "Nora Neu"])
    assert result.exit_code == 0, result.output
    assert sign_in(client, "neu@praxis.example", "").status_code == 422  # no password yet
    path = link_in_mail(app, mailbox, "invitation")
    assert "Willkommen" in client.get(path).get_data(as_text=True)
    assert set_password(client, path).status_code == 303
    assert sign_in(app.test_client(), "neu@praxis.example", NEW_PASSWORD).status_code == 303


def test_an_invitation_to_an_existing_address_is_refused_and_nothing_is_sent(app, anna):
    result = app.test_cli_runner().invoke(args=[
        "invite-therapist", "--email", anna.email, "--name", "Doppelt"])
    assert result.exit_code != 0 and "exists already" in result.output
    assert queued_kinds() == []
    assert db.session.scalar(select(Therapist).where(Therapist.display_name == "Doppelt")) is None
