"""Mails come from the practice the admin set up in the workspace: its saved name is the
From's display name (the address stays MAIL_SENDER's). Until anything is saved,
MAIL_SENDER stands. Delivered by the worker to a real SMTP server and read with the
email package, as the visitor's mail program reads them."""

from __future__ import annotations

import email
import itertools
from dataclasses import replace
from email import policy as email_policy
from email.message import EmailMessage

import pytest

from booking import worker
from booking.services import accounts, practice
from tests.conftest import FIXED_NOW
from tests.smtp import Received

# The app's default MAIL_SENDER (booking/config.py).
MAIL_SENDER = "Praxis <praxis@praxis.example>"


@pytest.fixture
def save_practice(app):
    """Save the practice's details as the admin's page does, with `changes`."""
    defaults = practice.PracticeDetails.from_config(app.config)
    return lambda **changes: practice.save_details(replace(defaults, **changes),
                                                   defaults=defaults, now=FIXED_NOW)


@pytest.fixture
def confirm_request(app, smtp, make_booking):
    """Book as a visitor and let the worker send the mail asking to confirm (the one with
    a button); the mail as it arrived, and its SMTP envelope."""
    visitors = itertools.count(1)

    def send() -> tuple[EmailMessage, Received]:
        sent_before = len(smtp.received)
        make_booking(email=f"kim{next(visitors)}@example.org")
        worker.drain(app)
        [received] = smtp.received[sent_before:]
        return (email.message_from_bytes(received.content, policy=email_policy.default),
                received)

    return send


def test_the_practices_saved_name_is_the_from_display_name_with_mail_senders_address(
        save_practice, confirm_request):
    save_practice(name='Praxis Müller & Partner, "Zur Linde"')
    mail, envelope = confirm_request()
    assert [(a.display_name, a.addr_spec) for a in mail["From"].addresses] == [
        ('Praxis Müller & Partner, "Zur Linde"', "praxis@praxis.example")]
    assert envelope.mail_from == "praxis@praxis.example"
    # Answers still reach the practice's address.
    assert [a.addr_spec for a in mail["Reply-To"].addresses] == ["praxis@praxis.example"]
    # And it signs the mail, as before.
    assert 'Praxis Müller & Partner, "Zur Linde"' in mail.get_body(("plain",)).get_content()


def test_without_saved_details_mail_sender_stands_as_configured(app, confirm_request):
    assert app.config["MAIL_SENDER"] == MAIL_SENDER
    mail, envelope = confirm_request()
    assert mail["From"] == MAIL_SENDER
    assert envelope.mail_from == "praxis@praxis.example"


def test_account_mails_come_from_the_practice_too(app, smtp, save_practice, make_therapist):
    save_practice(name="Praxis Müller & Partner")
    accounts.request_password_reset(make_therapist().email, now=FIXED_NOW)
    worker.drain(app)
    [received] = smtp.received
    mail = email.message_from_bytes(received.content, policy=email_policy.default)
    assert mail["From"].addresses[0].display_name == "Praxis Müller & Partner"
