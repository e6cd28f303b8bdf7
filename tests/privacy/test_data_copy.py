"""The visitor's copy of their data: asked for on the manage page, only ever mailed,
taken once with a button press, gone after a day."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import DataExport, MessageKind, OutboxMessage
from booking.services import erasure, notifications
from booking.settings import settings_of
from booking.web.public.forms import CopyForm
from tests.conftest import FIXED_NOW


@pytest.fixture
def booked(make_booking, token_of):
    booking = make_booking(name="Kim Beispiel", email="Kim.Beispiel@example.org",
                           message="Wir streiten viel.", locale="en")
    return booking, token_of(booking)


def form_token(app, path: str) -> str:
    """The button's form token, as the page that posts to `path` carries it."""
    with app.test_request_context(path, method="POST"):
        return CopyForm().csrf_token.current_token


def ask_for_copy(app, client, token: str):
    return client.post(f"/b/{token}/copy", data={"csrf_token": form_token(app, f"/b/{token}/copy")})


def copy_mails() -> list[OutboxMessage]:
    db.session.rollback()
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == MessageKind.COPY_OF_DATA.value)))


def mailed_link(app) -> str:
    """The /copy/… path in the newest copy mail, rendered as the worker would."""
    mail = notifications.render(copy_mails()[-1], now=FIXED_NOW, mail=settings_of(app).mail)
    assert mail["To"] == "Kim Beispiel <Kim.Beispiel@example.org>"
    text = mail.get_body(("plain",)).get_content()
    return re.search(r"http://[^/\s]+(/copy/[^\s?]+)", text).group(1)


def take(app, client, path: str):
    return client.post(path, data={"csrf_token": form_token(app, path)})


def test_the_manage_page_sends_the_link_by_mail_and_shows_it_nowhere(app, client, booked):
    booking, token = booked
    manage = client.get(f"/b/{token}").get_data(as_text=True)
    assert f'action="/b/{token}/copy"' in manage and "Kopie meiner Daten anfordern" in manage
    asked = ask_for_copy(app, client, token)
    assert asked.status_code == 303
    assert asked.headers["Location"].endswith(f"/b/{token}?notice=copy_sent")
    after = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Wir haben einen Link zu einer Kopie Ihrer Daten" in after
    assert "/copy/" not in after
    [mail] = copy_mails()
    # The outbox row holds the copy's id, not its link: the secret is derived at delivery.
    assert set(mail.payload) == {"recipient", "sequence", "start", "end", "export_id"}
    link = mailed_link(app)
    assert link.split("/")[-1] not in json.dumps(mail.payload)
    stored = db.session.scalar(select(DataExport))
    assert link.split("/")[-1] not in (stored.nonce, stored.token_hash)


def test_the_link_shows_a_button_and_the_button_gives_the_data_once(app, client, booked):
    booking, token = booked
    ask_for_copy(app, client, token)
    link = mailed_link(app)
    for _ in range(2):  # mail scanners open links: that takes nothing
        page = client.get(link)
        assert page.status_code == 200 and "Kim" not in page.get_data(as_text=True)
    # When it lapses, in the booking's zone and saying which.
    assert "(Berlin, Deutschland)" in page.get_data(as_text=True)
    taken = take(app, client, link)
    assert taken.status_code == 200
    assert taken.headers["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    assert taken.headers["Cache-Control"] == "no-store"
    document = taken.get_json()
    [mine] = document["bookings"]
    assert (mine["name"], mine["email"], mine["message"]) == (
        "Kim Beispiel", "Kim.Beispiel@example.org", "Wir streiten viel.")
    assert document["summary"].startswith("Wir speichern: 1 Buchung auf Ihren Namen")
    assert [m["kind"] for m in mine["messages"]] == ["confirm_request", "copy_of_data"]
    wrong = "/copy/" + "x" * 43
    for again, guessed in ((take(app, client, link), take(app, client, wrong)),
                           (client.get(link), client.get(wrong))):
        assert again.status_code == guessed.status_code == 404
        # The same page (its language switch names the address asked for).
        assert (again.get_data(as_text=True).replace(link, wrong)
                == guessed.get_data(as_text=True))


def test_a_used_or_lapsed_link_says_so_and_how_to_get_a_new_one_as_a_wrong_one_does(
        app, client, clock, booked):
    booking, token = booked
    ask_for_copy(app, client, token)
    link = mailed_link(app)
    take(app, client, link)
    used = client.get(link + "?lang=de")
    assert used.status_code == 404
    page = used.get_data(as_text=True)
    assert "Dieser Link funktioniert nicht mehr" in page
    assert "wurde schon benutzt oder ist abgelaufen" in page
    assert "„Kopie meiner Daten anfordern“" in page and "praxis@praxis.example" in page
    assert "Seite nicht gefunden" not in page
    ask_for_copy(app, client, token)
    lapsing = mailed_link(app)
    clock.set(FIXED_NOW + timedelta(hours=24))
    wrong = "/copy/" + "x" * 43
    for path in (lapsing, wrong):  # word for word: a guesser learns nothing
        answer = client.get(path + "?lang=de")
        assert answer.status_code == take(app, client, path).status_code == 404
        assert answer.get_data(as_text=True).replace(path, link) == page


def test_a_link_lapses_after_a_day(app, client, clock, booked):
    booking, token = booked
    ask_for_copy(app, client, token)
    link = mailed_link(app)
    clock.set(FIXED_NOW + timedelta(hours=24))
    assert client.get(link).status_code == 404
    assert take(app, client, link).status_code == 404


def test_a_wrong_manage_link_asks_for_nothing_and_a_forged_form_is_refused(app, client,
                                                                         booked):
    booking, token = booked
    assert client.post("/b/" + "x" * 43 + "/copy", data={"csrf_token": "x"}).status_code == 404
    assert client.post(f"/b/{token}/copy", data={"csrf_token": "forged"}).status_code == 400
    assert copy_mails() == []


def test_a_booking_asks_for_a_few_copies_an_hour_at_most(app, client, booked):
    booking, token = booked
    answers = [ask_for_copy(app, client, token).status_code for _ in range(4)]
    assert answers == [303, 303, 303, 429]
    assert len(copy_mails()) == 3


def test_erasing_the_booking_ends_its_links_and_their_mail(app, client, clock, policy, booked):
    booking, token = booked
    ask_for_copy(app, client, token)
    link = mailed_link(app)
    clock.set(FIXED_NOW + timedelta(hours=1))  # the unconfirmed hold has lapsed
    erasure.erase_personal_data(booking.id, now=clock.now())
    assert client.get(link).status_code == 404
    assert db.session.scalars(select(DataExport)).all() == []
    assert all(notifications.is_obsolete(mail) for mail in copy_mails())
