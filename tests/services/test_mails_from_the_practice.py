"""Mails come from the practice the admin set up in the workspace: its saved name is the
From's display name (the address stays MAIL_SENDER's), and its accent colour paints the
HTML mails' button, links and heading rule. Until anything is saved, MAIL_SENDER and the
default colour stand. Delivered by the worker to a real SMTP server and read with the
email package, as the visitor's mail program reads them."""

from __future__ import annotations

import email
import itertools
from dataclasses import replace
from email import policy as email_policy
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest

from booking import colours, worker
from booking.extensions import db
from booking.models import PracticeProfile
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


class _Styles(HTMLParser):
    """The inline style of each link and rule, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []  # (href, style)
        self.rules: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a":
            self.links.append((attributes.get("href") or "", attributes.get("style") or ""))
        elif tag == "hr":
            self.rules.append(attributes.get("style") or "")


def styles_of(mail: EmailMessage) -> _Styles:
    parser = _Styles()
    parser.feed(mail.get_body(("html",)).get_content())
    return parser


def is_button(href: str) -> bool:
    return "/confirm?" in href


def button_of(mail: EmailMessage) -> str:
    """The style of the confirm button."""
    [style] = [style for href, style in styles_of(mail).links if is_button(href)]
    return style


def link_styles_of(mail: EmailMessage) -> list[str]:
    """The styles of the links besides the button: the manage and legal links."""
    styles = [style for href, style in styles_of(mail).links if not is_button(href)]
    assert len(styles) == 3
    return styles


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


def test_the_accent_colour_paints_the_button_the_links_and_the_heading_rule(
        save_practice, confirm_request):
    save_practice(accent="#005A9C")
    mail, _ = confirm_request()
    assert "background: #005a9c;" in button_of(mail)
    assert all("color: #005a9c;" in style for style in link_styles_of(mail))
    assert styles_of(mail).rules == [
        "border: 0; border-top: 3px solid #005a9c; margin: 0 0 1rem;"]
    assert colours.DEFAULT_ACCENT not in mail.get_body(("html",)).get_content()


def test_without_an_accent_the_default_colour_paints(save_practice, confirm_request):
    mail, _ = confirm_request()
    assert f"background: {colours.DEFAULT_ACCENT};" in button_of(mail)
    save_practice(name="Praxis Müller")  # details saved, no colour chosen
    mail, _ = confirm_request()
    assert f"background: {colours.DEFAULT_ACCENT};" in button_of(mail)
    assert all(f"color: {colours.DEFAULT_ACCENT};" in style for style in link_styles_of(mail))


def test_a_stored_accent_that_fails_the_contrast_check_gives_way_to_the_default(
        save_practice, confirm_request):
    save_practice(name="Praxis Müller")
    # Past the admin's form, which refuses it: white on yellow is unreadable.
    db.session.get(PracticeProfile, 1).accent = "#ffff00"
    db.session.commit()
    mail, _ = confirm_request()
    assert f"background: {colours.DEFAULT_ACCENT};" in button_of(mail)
    assert "#ffff00" not in mail.get_body(("html",)).get_content()
