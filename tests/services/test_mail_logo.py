"""The practice's logo in its mails: each HTML mail carries it inside itself, so that
opening a mail fetches nothing from anywhere (a remote image would tell its server that,
and when, someone read a mail about their therapy). Without a logo, mails stay as they
were. Delivered by the worker to a real SMTP server and read with the email package."""

from __future__ import annotations

import email
import io
import itertools
from dataclasses import replace
from email import policy as email_policy
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest
from PIL import Image

from booking import images, worker
from booking.extensions import db
from booking.models import MessageKind, Recipient
from booking.models.outbox_payloads import PAYLOAD_TYPES
from booking.services import bookings, notifications, outbox, practice
from booking.settings import settings_of
from tests.conftest import FIXED_NOW


def logo(colour: str) -> bytes:
    """A wide logo, as an admin uploads it: 800 x 200 pixels."""
    out = io.BytesIO()
    Image.new("RGB", (800, 200), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def set_logo(app):
    defaults = practice.PracticeDetails.from_config(app.config)
    return lambda colour="teal": practice.set_logo(logo(colour), defaults=defaults,
                                                   now=FIXED_NOW)


@pytest.fixture
def mails_of_a_confirmed_booking(app, smtp, make_booking, policy, token_of):
    """Book and confirm (the confirm request, the visitor's, the partner's and the
    therapist's confirmation, the last three with an invitation), let the worker send
    it all, and return the mails as their readers' programs parse them."""

    visitors = itertools.count(1)

    def send() -> list[EmailMessage]:
        sent_before = len(smtp.received)
        n = next(visitors)  # each person books one free first consultation
        booking = make_booking(email=f"kim{n}@example.org", partner_name="Sam Beispiel",
                               partner_email=f"sam{n}@example.org")
        bookings.confirm_booking(token_of(booking), now=FIXED_NOW, policy=policy)
        worker.drain(app)
        sent = smtp.received[sent_before:]
        assert len(sent) == 4, "a mail was not sent (see the worker's log)"
        return [email.message_from_bytes(received.content, policy=email_policy.default)
                for received in sent]

    return send


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags_of(mail: EmailMessage) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(mail.get_body(("html",)).get_content())
    return parser.tags


def images_in(mail: EmailMessage) -> list[EmailMessage]:
    return [part for part in mail.walk() if part.get_content_maintype() == "image"]


def shape(mail: EmailMessage) -> list[str]:
    return [part.get_content_type() for part in mail.walk()]


def test_every_mail_of_a_practice_with_a_logo_carries_it_once_inside_itself(
        set_logo, mails_of_a_confirmed_booking):
    set_logo()
    mails = mails_of_a_confirmed_booking()
    assert sum("text/calendar" in shape(mail) for mail in mails) == 3
    for mail in mails:
        [image] = images_in(mail)
        [shown] = [attributes for tag, attributes in tags_of(mail) if tag == "img"]
        assert shown["src"] == f"cid:{image['Content-ID'].strip('<>')}"
        assert image.get_content_disposition() == "inline"
        small = Image.open(io.BytesIO(image.get_content()))
        # The 800 x 200 logo in a box of 160 x 64 CSS pixels, with two pixels to each.
        assert (small.format, small.size) == ("PNG", (320, 80))
        assert (shown["width"], shown["height"]) == ("160", "40")


def test_no_picture_in_a_mail_is_fetched_from_a_server(set_logo, mails_of_a_confirmed_booking):
    set_logo()
    for mail in mails_of_a_confirmed_booking():
        sources = [attributes["src"] or "" for _, attributes in tags_of(mail)
                   if "src" in attributes]
        assert sources and all(source.startswith("cid:") for source in sources)
        assert "url(" not in mail.get_body(("html",)).get_content()


def test_the_logo_is_described_by_the_practices_name(app, set_logo,
                                                     mails_of_a_confirmed_booking):
    defaults = practice.PracticeDetails.from_config(app.config)
    practice.save_details(replace(defaults, name='Praxis Müller & "Partner"'),
                          defaults=defaults, now=FIXED_NOW)
    set_logo()
    for mail in mails_of_a_confirmed_booking():
        [shown] = [attributes for tag, attributes in tags_of(mail) if tag == "img"]
        assert shown["alt"] == 'Praxis Müller & "Partner"'


def test_without_a_logo_mails_keep_their_shape_and_carry_no_picture(
        mails_of_a_confirmed_booking):
    mails = mails_of_a_confirmed_booking()
    assert sorted(shape(mail) for mail in mails) == [
        ["multipart/alternative", "text/plain", "text/html"],
        *[["multipart/mixed", "multipart/alternative", "text/plain", "text/html",
           "text/calendar", "application/ics"]] * 3,
    ]
    assert all(tag != "img" for mail in mails for tag, _ in tags_of(mail))


def test_the_plain_text_is_the_same_with_a_logo(app, set_logo, make_booking):
    booking = make_booking()
    payload = PAYLOAD_TYPES[MessageKind.CONFIRMED](**outbox.about(booking, Recipient.VISITOR))
    message = outbox.enqueue(booking, payload, FIXED_NOW)
    db.session.flush()

    def plain_text() -> bytes:
        mail = notifications.render(message, now=FIXED_NOW, mail=settings_of(app).mail)
        return mail.get_body(("plain",)).as_bytes()

    without_logo = plain_text()
    set_logo()
    assert plain_text() == without_logo


def test_a_logo_is_scaled_once_for_many_mails_and_a_new_one_reaches_the_next_mail(
        set_logo, mails_of_a_confirmed_booking, monkeypatch, app):
    practice._scaled_for_mail.cache_clear()  # what earlier tests scaled does not count
    scaled, scale = [], images.mail_logo

    def counted(stored: bytes) -> images.MailLogo:
        scaled.append(stored)
        return scale(stored)

    monkeypatch.setattr(images, "mail_logo", counted)

    def colour_of(mail: EmailMessage) -> tuple[int, ...]:
        [image] = images_in(mail)
        return Image.open(io.BytesIO(image.get_content())).convert("RGB").getpixel((0, 0))

    set_logo("navy")
    assert {colour_of(mail) for mail in mails_of_a_confirmed_booking()} == {(0, 0, 128)}
    assert len(scaled) == 1
    set_logo("olive")
    assert {colour_of(mail) for mail in mails_of_a_confirmed_booking()} == {(128, 128, 0)}
    assert len(scaled) == 2
    practice.remove_logo(defaults=practice.PracticeDetails.from_config(app.config),
                         now=FIXED_NOW)
    assert all(not images_in(mail) for mail in mails_of_a_confirmed_booking())
