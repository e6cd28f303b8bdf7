"""Every mail, to visitors, partners, therapists and new team members alike, links the
practice's Impressum and privacy notice with absolute addresses on BASE_URL, in the
reader's language."""

from __future__ import annotations

import pytest
from flask import has_request_context

from booking.extensions import db
from booking.models import OutboxMessage, Recipient
from booking.services import accounts, notifications
from booking.settings import settings_of
from tests.conftest import FIXED_NOW
from tests.services.test_messages import CASES, booking_of, render  # noqa: F401 (a fixture)
from tests.support import reconfigure

BASE = "https://termine.praxis.example"


def assert_links_both(mail, language: str) -> None:
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content() if mail.get_body(("html",)) else ""
    for address in (f"{BASE}/impressum?lang={language}", f"{BASE}/datenschutz?lang={language}"):
        assert address in text
        if html:
            assert f'href="{address}"' in html


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind, recipient, details", CASES,
                         ids=[f"{k.value}-{r.value}-{d.get('by', '')}" for k, r, d in CASES])
def test_every_booking_mail_links_the_legal_pages(app, booking_of, kind, recipient,  # noqa: F811
                                                  details):
    reconfigure(app, BASE_URL=BASE)
    mail = render(app, booking_of("en"), kind, recipient, **details)
    assert_links_both(mail, "de" if recipient is Recipient.THERAPIST else "en")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_account_mails_link_the_legal_pages(app, make_therapist):
    reconfigure(app, BASE_URL=BASE)
    therapist = make_therapist()
    therapist.languages = ["en"]
    accounts.request_password_reset(therapist.email, now=FIXED_NOW)
    accounts.invite_again(therapist.id, now=FIXED_NOW)
    assert not has_request_context()
    messages = db.session.scalars(db.select(OutboxMessage)).all()
    assert len(messages) == 2
    for message in messages:
        assert_links_both(notifications.render(message, now=FIXED_NOW,
                                               mail=settings_of(app).mail), "en")
