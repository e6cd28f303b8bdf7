"""compose(): the MIME shape calendar clients need, and headers no visitor can break."""

from __future__ import annotations

import email
import io
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from booking.mail.message import Calendar, InlineImage, compose

MESSAGE_ID = "<outbox-42.1a2b@termine.praxis.example>"
# CRLF line ends, a folded line and an umlaut: everything a careless encoding breaks.
INVITE = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Praxis Beispiel//Termine//DE\r\n"
    b"METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:booking-7@termine.praxis.example\r\n"
    b"SEQUENCE:0\r\nDTSTAMP:20260601T080000Z\r\nDTSTART:20260603T090000Z\r\n"
    b"SUMMARY:Kostenfreies Erstgespr\xc3\xa4ch mit Frau M\xc3\xbcller \xe2\x80\x93 bitte zehn\r\n"
    b"  Minuten vorher einw\xc3\xa4hlen\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
CANCELLATION = INVITE.replace(b"METHOD:REQUEST", b"METHOD:CANCEL")

INJECTIONS = [
    "Eve\r\nBcc: victim@evil.example",
    "Eve\nBcc: victim@evil.example",
    "Eve\rBcc: victim@evil.example",
    "Eve\u2028Bcc: victim@evil.example",
    "Eve\x85Bcc: victim@evil.example",
    "Eve\x00\x1b[31m\r\n\r\nbody takeover",
    # An encoded word that decodes to CRLF + a header (CPython's email package
    # turned this into a raw line break before CVE-2024-6923 was fixed).
    "=?utf-8?q?Eve=0D=0ABcc:_victim@evil.example?=",
    '"=?utf-8?b?RXZlDQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?="',
    'Eve", victim@evil.example, "x',
    "Eve <victim@evil.example>",
]


def make_message(**overrides) -> EmailMessage:
    arguments = {
        "sender": "Praxis Beispiel <praxis@example.org>",
        "to": [("Jörg Müller", "joerg@example.org")],
        "subject": "Ihr Erstgespräch am 3. Juni",
        "text": "Guten Tag Jörg,\nwir freuen uns auf das Gespräch.\n",
        "html": "<p>Guten Tag J&ouml;rg, wir freuen uns auf das Gespräch.</p>\n",
        "message_id": MESSAGE_ID,
        "reply_to": "Praxis Beispiel <praxis@example.org>",
        "date": datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        "calendar": None,
        "language": "de",
    }
    arguments.update(overrides)
    return compose(**arguments)


def on_the_wire(message: EmailMessage) -> EmailMessage:
    """The message as a recipient's parser sees it."""
    return email.message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)


def shape(message: EmailMessage) -> list[tuple[int, str, str | None]]:
    """Each part as (depth, content type, disposition), in order."""

    def walk(part, depth):
        yield depth, part.get_content_type(), part.get_content_disposition()
        if part.is_multipart():
            for child in part.iter_parts():
                yield from walk(child, depth + 1)

    return list(walk(message, 0))


def test_invitation_is_mixed_holding_alternative_first_then_the_ics_attachment():
    received = on_the_wire(make_message(calendar=Calendar(INVITE, "REQUEST")))

    assert shape(received) == [
        (0, "multipart/mixed", None),
        (1, "multipart/alternative", None),
        (2, "text/plain", None),
        (2, "text/html", None),
        (2, "text/calendar", None),
        (1, "application/ics", "attachment"),
    ]


def test_invitation_without_html_keeps_text_and_calendar_as_alternatives():
    received = on_the_wire(make_message(html=None, calendar=Calendar(INVITE, "REQUEST")))

    assert [content_type for _, content_type, _ in shape(received)] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/calendar",
        "application/ics",
    ]


@pytest.mark.parametrize(("ics", "method"), [(INVITE, "REQUEST"), (CANCELLATION, "CANCEL")])
def test_calendar_part_declares_the_method_of_the_object_inside(ics, method):
    received = on_the_wire(make_message(calendar=Calendar(ics, method)))
    calendar_part = next(p for p in received.walk() if p.get_content_type() == "text/calendar")

    assert calendar_part.get_param("method") == method
    assert f"\r\nMETHOD:{method}\r\n".encode() in calendar_part.get_payload(decode=True)
    assert calendar_part.get_param("charset") == "UTF-8"


def test_calendar_content_type_is_written_as_google_writes_it():
    wire = make_message(calendar=Calendar(INVITE, "REQUEST")).as_bytes()

    assert b'Content-Type: text/calendar; charset="UTF-8"; method=REQUEST\r\n' in wire


def test_calendar_bytes_arrive_identical_in_the_inline_part_and_the_attachment():
    received = on_the_wire(make_message(calendar=Calendar(INVITE, "REQUEST")))
    calendar_part, attachment = (
        p for p in received.walk() if p.get_content_type() in ("text/calendar", "application/ics")
    )

    assert calendar_part.get_payload(decode=True) == INVITE
    assert attachment.get_payload(decode=True) == INVITE


def test_attachment_is_named_invite_ics():
    received = on_the_wire(make_message(calendar=Calendar(INVITE, "REQUEST")))
    attachment = next(received.iter_attachments())

    assert attachment.get_param("filename", header="Content-Disposition") == "invite.ics"
    assert attachment.get_param("name") == "invite.ics"


def test_calendar_refuses_a_method_that_differs_from_the_one_inside():
    with pytest.raises(ValueError, match="does not match METHOD"):
        Calendar(INVITE, "CANCEL")


def test_calendar_refuses_methods_other_than_request_and_cancel():
    with pytest.raises(ValueError, match="REQUEST or CANCEL"):
        Calendar(INVITE.replace(b"METHOD:REQUEST", b"METHOD:PUBLISH"), "PUBLISH")


def test_mail_without_calendar_is_text_then_html_alternative():
    received = on_the_wire(make_message())

    assert shape(received) == [
        (0, "multipart/alternative", None),
        (1, "text/plain", None),
        (1, "text/html", None),
    ]


def test_mail_without_html_is_a_single_text_part():
    received = on_the_wire(make_message(html=None))

    assert shape(received) == [(0, "text/plain", None)]
    assert received.get_content().splitlines() == [
        "Guten Tag Jörg,", "wir freuen uns auf das Gespräch.",
    ]


def test_umlauts_survive_in_subject_names_and_bodies():
    received = on_the_wire(make_message(
        to=[("Jörg Müller-Weiß", "joerg@example.org")],
        subject="Bestätigung: Erstgespräch für Jörg",
    ))
    text, html = (part.get_content() for part in received.iter_parts())

    assert received["Subject"] == "Bestätigung: Erstgespräch für Jörg"
    assert received["To"].addresses[0].display_name == "Jörg Müller-Weiß"
    assert "Gespräch" in text
    assert "Gespräch" in html
    assert all(part.get_content_charset() == "utf-8" for part in received.iter_parts())


def test_wire_form_is_seven_bit_with_short_lines():
    wire = make_message(
        to=[("Zoë " * 100, "zoe@example.org")],
        text="Grüße " * 400,
        calendar=Calendar(INVITE, "REQUEST"),
    ).as_bytes()

    assert wire.isascii()
    assert max(len(line) for line in wire.split(b"\r\n")) <= 78


def test_message_carries_exactly_the_given_message_id_and_the_fixed_headers():
    berlin = datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    received = on_the_wire(make_message(date=berlin, language="en"))

    assert received["Message-ID"] == MESSAGE_ID
    assert received["Date"].datetime == berlin
    assert received["Date"] == "Mon, 01 Jun 2026 10:00:00 +0200"
    assert received["Content-Language"] == "en"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["Reply-To"] == "Praxis Beispiel <praxis@example.org>"
    assert received["From"].addresses[0].addr_spec == "praxis@example.org"


def test_content_language_survives_every_body_shape():
    for overrides in ({"html": None}, {}, {"calendar": Calendar(INVITE, "REQUEST")}):
        assert on_the_wire(make_message(**overrides))["Content-Language"] == "de"


def test_same_inputs_give_the_same_bytes():
    def build():
        return make_message(calendar=Calendar(INVITE, "REQUEST")).as_bytes()

    assert build() == build()


@pytest.mark.parametrize("name", INJECTIONS)
def test_display_name_cannot_add_headers_or_recipients(name):
    harmless = on_the_wire(make_message(to=[("Eve", "eve@example.org")]))
    received = on_the_wire(make_message(to=[(name, "eve@example.org")]))

    assert received.keys() == harmless.keys()
    assert [a.addr_spec for a in received["To"].addresses] == ["eve@example.org"]
    assert "\n" not in received["To"].addresses[0].display_name
    assert received.get_payload()[0].get_content() == harmless.get_payload()[0].get_content()


@pytest.mark.parametrize("subject", INJECTIONS)
def test_subject_cannot_add_headers(subject):
    harmless = on_the_wire(make_message(subject="Eve"))
    received = on_the_wire(make_message(subject=subject))

    assert received.keys() == harmless.keys()
    assert "\r" not in received["Subject"]
    assert "\n" not in received["Subject"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_extra_header_values_cannot_add_headers(value):
    harmless = on_the_wire(make_message(headers={"X-Booking-Reference": "B-7"}))
    received = on_the_wire(make_message(headers={"X-Booking-Reference": value}))

    assert received.keys() == harmless.keys()
    assert "\n" not in received["X-Booking-Reference"]


def test_display_names_with_quotes_commas_and_at_signs_stay_one_recipient_each():
    names = ['Müller, Jörg "Jo"', "O'Brien (Praxis)", "a@b; c <d>", "\\\"\\"]
    recipients = [(name, f"r{i}@example.org") for i, name in enumerate(names)]

    received = on_the_wire(make_message(to=recipients))

    assert [(a.display_name, a.addr_spec) for a in received["To"].addresses] == recipients


def test_very_long_display_name_is_shortened_and_keeps_the_address():
    received = on_the_wire(make_message(to=[("Müller" * 2000, "m@example.org")]))
    (address,) = received["To"].addresses

    assert address.addr_spec == "m@example.org"
    # Python's parser keeps the folding space between adjacent encoded words
    # (mail clients drop it, as RFC 2047 asks); the text itself is what counts.
    assert address.display_name.replace(" ", "") == ("Müller" * 2000)[:200]


def test_display_name_that_cannot_be_encoded_is_dropped_not_raised():
    received = on_the_wire(make_message(to=[("Eve \udcff", "eve@example.org")]))

    assert [(a.display_name, a.addr_spec) for a in received["To"].addresses] == [
        ("", "eve@example.org")
    ]


def test_control_characters_are_removed_from_display_names():
    received = on_the_wire(make_message(to=[("Jörg\t\x07Müller\r\n", "joerg@example.org")]))

    assert received["To"].addresses[0].display_name == "Jörg Müller"


@pytest.mark.parametrize("name", ["Praxis Müller & Partner", 'Müller, Schmidt & "Partner"',
                                  "Dr. Jörg Weiß (Praxis): Paarberatung"])
def test_a_sender_name_replaces_the_configured_display_name_and_keeps_its_address(name):
    received = on_the_wire(make_message(sender_name=name))

    assert [(a.display_name, a.addr_spec) for a in received["From"].addresses] == [
        (name, "praxis@example.org")
    ]
    assert received["Reply-To"] == "Praxis Beispiel <praxis@example.org>"


@pytest.mark.parametrize("name", ["", " \t ", "\r\n"])
def test_without_a_sender_name_the_sender_stands_as_configured(name):
    received = on_the_wire(make_message(sender_name=name))

    assert received["From"] == "Praxis Beispiel <praxis@example.org>"


@pytest.mark.parametrize("name", INJECTIONS)
def test_a_sender_name_cannot_add_headers_or_senders(name):
    harmless = on_the_wire(make_message(sender_name="Eve"))
    received = on_the_wire(make_message(sender_name=name))

    assert received.keys() == harmless.keys()
    assert [a.addr_spec for a in received["From"].addresses] == ["praxis@example.org"]
    assert "\n" not in str(received["From"])


def test_a_sender_name_that_cannot_be_encoded_leaves_the_configured_sender():
    received = on_the_wire(make_message(sender_name="Praxis \udcff"))

    assert received["From"] == "Praxis Beispiel <praxis@example.org>"


def test_international_domain_is_written_in_ascii():
    received = on_the_wire(make_message(to=[("Jörg", "joerg@müller.example")]))

    assert received["To"].addresses[0].domain == "xn--mller-kva.example"


@pytest.mark.parametrize("address", [
    "joerg@example.org\r\nBcc: victim@evil.example",
    "joerg@example.org, victim@evil.example",
    "no-at-sign",
])
def test_invalid_address_is_refused(address):
    with pytest.raises(ValueError):
        make_message(to=[("Jörg", address)])


@pytest.mark.parametrize("arguments", [
    {"to": []},
    {"date": datetime(2026, 6, 1, 8, 0)},
    {"message_id": "outbox-42@termine.praxis.example"},
    {"message_id": "<outbox-42@termine.praxis.example>\r\nBcc: victim@evil.example"},
    {"language": "de\r\nBcc: victim@evil.example"},
    {"headers": {"Bcc": "victim@evil.example"}},
    {"headers": {"Message-ID": "<other@example.org>"}},
    {"headers": {"Content-Type": "text/html"}},
    {"headers": {"X-Booking\r\nBcc": "victim@evil.example"}},
])
def test_invalid_arguments_are_refused(arguments):
    with pytest.raises(ValueError):
        make_message(**arguments)


def test_extra_headers_are_added():
    received = on_the_wire(make_message(headers={"X-Booking-Reference": "B-7"}))

    assert received["X-Booking-Reference"] == "B-7"


def a_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (32, 16), "teal").save(out, "PNG")
    return out.getvalue()


LOGO = InlineImage.of_message(a_png(), message_id=MESSAGE_ID, name="logo")
HTML_WITH_LOGO = f'<p><img src="{LOGO.src}" alt="Praxis Beispiel"></p><p>Guten Tag</p>\n'


def test_an_inline_image_puts_the_html_and_the_image_into_multipart_related():
    received = on_the_wire(make_message(html=HTML_WITH_LOGO, image=LOGO))

    assert shape(received) == [
        (0, "multipart/alternative", None),
        (1, "text/plain", None),
        (1, "multipart/related", None),
        (2, "text/html", None),
        (2, "image/png", "inline"),
    ]
    related = received.get_payload(1)
    assert related.get_param("type") == "text/html"  # RFC 2387: the root part's type


def test_an_inline_image_is_found_by_the_content_id_the_html_refers_to():
    received = on_the_wire(make_message(html=HTML_WITH_LOGO, image=LOGO))
    [image] = [part for part in received.walk() if part.get_content_maintype() == "image"]
    html = received.get_body(("html",)).get_content()

    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
    assert image.get_content() == LOGO.png
    assert image.get_filename() is None  # nothing that mail programs list as an attachment


def test_the_content_id_of_an_inline_image_is_the_same_for_each_delivery_of_a_message():
    again = InlineImage.of_message(a_png(), message_id=MESSAGE_ID, name="logo")
    other = InlineImage.of_message(a_png(), message_id="<outbox-43@example.org>", name="logo")

    assert again.content_id == LOGO.content_id != other.content_id


def test_a_long_message_id_still_gives_a_content_id_the_html_can_refer_to():
    # Long enough for the email package to fold a Content-ID made of it into encoded words.
    message_id = f"<booking_confirmed.{'1a2b' * 8}@termine.praxis-am-schlossgarten.example>"
    image = InlineImage.of_message(a_png(), message_id=message_id, name="logo")
    wire = make_message(message_id=message_id, image=image,
                        html=f'<img src="{image.src}" alt="">').as_bytes()

    # Verbatim on one line: Python's parser would decode encoded words, mail programs don't.
    assert f"\r\nContent-ID: <{image.src.removeprefix('cid:')}>\r\n".encode() in wire


def test_an_invitation_with_an_inline_image_keeps_the_calendar_where_outlook_looks():
    received = on_the_wire(make_message(html=HTML_WITH_LOGO, image=LOGO,
                                        calendar=Calendar(INVITE, "REQUEST")))

    assert shape(received) == [
        (0, "multipart/mixed", None),
        (1, "multipart/alternative", None),
        (2, "text/plain", None),
        (2, "multipart/related", None),
        (3, "text/html", None),
        (3, "image/png", "inline"),
        (2, "text/calendar", None),
        (1, "application/ics", "attachment"),
    ]


def test_an_inline_image_leaves_the_plain_text_as_it_is():
    plain = on_the_wire(make_message(html=HTML_WITH_LOGO)).get_body(("plain",))
    with_image = on_the_wire(make_message(html=HTML_WITH_LOGO, image=LOGO)).get_body(("plain",))

    assert with_image.as_bytes() == plain.as_bytes()


def test_a_message_with_an_inline_image_gives_the_same_bytes_for_the_same_inputs():
    def build():
        return make_message(html=HTML_WITH_LOGO, image=LOGO,
                            calendar=Calendar(INVITE, "REQUEST")).as_bytes()

    assert build() == build()


@pytest.mark.parametrize("arguments", [
    {"html": None},
    {"html": "<p>Guten Tag, ohne Bild</p>"},
], ids=["no html", "html that does not show it"])
def test_an_inline_image_the_html_does_not_show_is_refused(arguments):
    with pytest.raises(ValueError, match="HTML part that shows it"):
        make_message(image=LOGO, **arguments)


@pytest.mark.parametrize("png, content_id", [
    (b"GIF89a" + bytes(32), "<logo@termine.praxis.example>"),
    (a_png(), "logo@termine.praxis.example"),
    (a_png(), "<logo@termine.praxis.example>\r\nBcc: victim@evil.example"),
    (a_png(), f"<logo.{'a' * 60}@termine.praxis.example>"),
], ids=["not a png", "no angle brackets", "header injection", "longer than one line"])
def test_an_inline_image_must_be_a_png_with_a_content_id_that_is_one_header_value(
        png, content_id):
    with pytest.raises(ValueError):
        InlineImage(png, content_id)
