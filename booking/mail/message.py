"""Composing outgoing mail: a pure function from plain values to an EmailMessage.

No Flask, no database, no clock: the caller passes the rendered texts, the
Message-ID of its outbox row and the date. The same inputs always give the
same bytes (MIME boundaries derive from the Message-ID), so the output can be
compared against files.

A picture in the HTML (the practice's logo) travels inside the message and is
referred to by its Content-ID: a mail program that opens the message fetches nothing,
so no server learns that, or when, someone read a mail about their therapy.

Visitors type their own names, and those names end up in headers. Every
display name and the subject are flattened to one line, and each display
name is checked by folding it on its own: the standard library has turned an
RFC 2047 encoded word in a name into a raw line break before (CVE-2024-6923
and relatives), so what leaves this module is verified, not trusted.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart

# CRLF line ends and ASCII headers (encoded words for anything else): the form
# that goes over SMTP and into .eml files alike.
POLICY = policy.SMTP

METHODS = frozenset({"REQUEST", "CANCEL"})
ATTACHMENT_NAME = "invite.ics"

# A display name longer than this is abuse, not a name; capping it keeps every
# header line far below the 998 characters RFC 5322 allows.
_MAX_NAME_LENGTH = 200
# Line ends str.splitlines() knows beyond the C0/C1 controls: the email
# package refuses header values that contain them.
_LINE_BREAK_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})
_METHOD_LINE = re.compile(rb"^METHOD:([^\r\n]*)\r?$", re.MULTILINE | re.IGNORECASE)
_FOLDED_LINE = re.compile(rb"\r?\n[ \t]")
_MESSAGE_ID = re.compile(r"<[!-;=?-~]+@[!-;=?-~]+>")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_HEADER_NAME = re.compile(r"[!-9;-~]+")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The email package writes a Content-ID as unstructured text: one that does not fit on
# its header line is cut into encoded words, which no mail program resolves a cid: by.
_MAX_CONTENT_ID = 78 - len("Content-ID: ")
_PART_NAME = re.compile(r"[a-z]{1,16}")
# Headers compose() owns, besides the Content-* ones; extra headers may not replace them.
_OWN_HEADERS = frozenset({
    "from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id",
    "auto-submitted", "mime-version",
})


@dataclass(frozen=True, slots=True)
class Calendar:
    """An iCalendar object to send as an invitation (iMIP, RFC 6047)."""

    ics: bytes  # a complete iCalendar object (built elsewhere)
    method: str  # "REQUEST" | "CANCEL": must equal the METHOD inside ics

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"calendar method must be REQUEST or CANCEL, got {self.method!r}")
        # Outlook trusts the METHOD inside over the MIME parameter, silently.
        inside = [m.strip().decode("ascii", "replace")
                  for m in _METHOD_LINE.findall(_FOLDED_LINE.sub(b"", self.ics))]
        if inside != [self.method]:
            raise ValueError(f"calendar method {self.method} does not match METHOD in the "
                             f"iCalendar object ({', '.join(inside) or 'none'})")


@dataclass(frozen=True, slots=True)
class InlineImage:
    """A PNG the HTML part shows from inside the message (multipart/related, RFC 2387),
    referred to in the HTML by `src` (a cid: URL, RFC 2392)."""

    png: bytes
    content_id: str  # "<local@domain>", unique like a Message-ID, one short header line

    def __post_init__(self) -> None:
        if not self.png.startswith(_PNG_SIGNATURE):
            raise ValueError("an inline image must be a PNG")
        if not (_MESSAGE_ID.fullmatch(self.content_id)
                and len(self.content_id) <= _MAX_CONTENT_ID):
            raise ValueError(f"not a Content-ID of the form <local@domain> of at most "
                             f"{_MAX_CONTENT_ID} characters: {self.content_id!r}")

    @classmethod
    def of_message(cls, png: bytes, *, message_id: str, name: str) -> InlineImage:
        """The image `name` ("logo") of the message `message_id`. Its Content-ID is a
        digest of the Message-ID: as unique, the same for every delivery of the message,
        and short whatever the Message-ID's length (the domain part adds nothing)."""
        if not _PART_NAME.fullmatch(name):
            raise ValueError(f"not the name of a part: {name!r}")
        return cls(png, f"<{name}.{_digest(message_id, name)}@inline>")

    @property
    def src(self) -> str:
        return "cid:" + urllib.parse.quote(self.content_id[1:-1], safe="@")


def compose(*, sender: str, to: Sequence[tuple[str, str]], subject: str, text: str,
            html: str | None, message_id: str, reply_to: str = "", date: datetime,
            calendar: Calendar | None = None, language: str = "de",
            headers: Mapping[str, str] | None = None,
            image: InlineImage | None = None, sender_name: str = "") -> EmailMessage:
    """The complete message, ready for a transport.

    `to` holds (display name, address) pairs; names are cleaned, never trusted
    (see the module docstring), and a name that cannot be written safely is
    dropped, leaving the bare address. `sender` is the From as configured; a
    `sender_name` (the practice's name as saved) replaces its display name, cleaned
    the same way, and one that cannot be written safely leaves `sender` as it is.
    The subject and the values of extra `headers` are flattened to one line the
    same way. Addresses must be valid: an invalid one raises ValueError.
    `message_id` is used exactly as given, so a retried delivery of the same
    outbox row carries the same Message-ID.

    Without a calendar the body is text/plain, or multipart/alternative with
    text/html. With one, the shape Google, Yahoo and Thunderbird send:
    multipart/mixed whose first child is multipart/alternative (text/plain,
    text/html, text/calendar with the method), then the same object as the
    attachment invite.ics.

    With an `image`, which the HTML must show (by its `src`), the HTML part becomes
    multipart/related holding the HTML and the image; the plain text stays as it is.
    """
    if not to:
        raise ValueError("a message needs at least one recipient")
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("the Date of a message must be an aware datetime")
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"not a Message-ID of the form <local@domain>: {message_id!r}")
    if not _LANGUAGE_TAG.fullmatch(language):
        raise ValueError(f"not a language tag: {language!r}")
    if image is not None and (html is None or image.src not in html):
        # A related part the HTML does not show would arrive as an unnamed attachment.
        raise ValueError("an inline image needs an HTML part that shows it")

    message = EmailMessage(policy=POLICY)
    message["From"] = _sender(sender, sender_name)
    message["To"] = [_address(name, address) for name, address in to]
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = _subject(subject)
    message["Date"] = date
    message["Message-ID"] = message_id
    # RFC 3834: tells auto-responders (vacation replies) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        lowered = name.lower()
        if (not _HEADER_NAME.fullmatch(name) or lowered in _OWN_HEADERS
                or lowered.startswith("content-")):
            raise ValueError(f"extra header {name!r} is not allowed")
        message[name] = _one_line(value)
    message["MIME-Version"] = "1.0"

    if html is None and calendar is None:
        _set_text(message, text, "plain")
    else:
        alternatives = [_text_part(text, "plain")]
        if html is not None:
            alternatives.append(_html_part(html, image, message_id))
        # Typeshed lets a part attach only parts of its own class; the ones
        # inside an EmailMessage are plain MIMEParts (no MIME-Version header).
        container: MIMEPart = message
        if calendar is None:
            message.make_alternative(boundary=_boundary(message_id, "alternative"))
            for part in alternatives:
                container.attach(part)
        else:
            alternatives.append(_calendar_part(calendar))
            # The alternatives come first: Outlook 2007 looks only at the first
            # child of multipart/mixed for the text/calendar part.
            message.make_mixed(boundary=_boundary(message_id, "mixed"))
            container.attach(_multipart("alternative", alternatives, message_id))
            container.attach(_attachment_part(calendar))
    # Last: building the body moves or clears every Content-* header before it.
    message["Content-Language"] = language
    return message


def _one_line(value: str) -> str:
    """Control characters and line breaks become spaces, runs of space one space.

    "=?" can open an RFC 2047 encoded word, which the email package decodes
    when it parses a header value, line breaks included; "= ?" cannot.
    """
    spaced = "".join(" " if unicodedata.category(char) in _LINE_BREAK_CATEGORIES else char
                     for char in value)
    return " ".join(spaced.split()).replace("=?", "= ?")


def _address(name: str, address: str) -> Address:
    bare = Address(addr_spec=address)  # parses: anything but one address raises ValueError
    if not bare.domain.isascii():
        # Headers here are ASCII; IDNA is how a non-ASCII domain is written in them.
        bare = Address(username=bare.username, domain=bare.domain.encode("idna").decode("ascii"))
    display_name = _one_line(name)[:_MAX_NAME_LENGTH].strip()
    if not display_name:
        return bare
    named = Address(display_name=display_name, username=bare.username, domain=bare.domain)
    return named if _writes_as(named) else bare


def _sender(sender: str, name: str) -> str | Address:
    """The configured sender's address under `name`; the sender as configured when
    there is no name, or none that can be written safely, or not exactly one address."""
    if not _one_line(name):
        return sender
    configured = POLICY.header_factory("From", sender).addresses
    if len(configured) != 1:
        return sender
    try:
        named = _address(name, configured[0].addr_spec)
    except ValueError:  # an address only the lenient header parser took
        return sender
    return named if named.display_name else sender


def _writes_as(address: Address) -> bool:
    """Whether a To header holding only this address folds into that one address."""
    try:
        # Strict: the folder would smuggle a lone surrogate out as "unknown-8bit".
        address.display_name.encode("utf-8")
        folded = POLICY.fold_binary("To", POLICY.header_factory("To", [address]))
    except (MessageError, UnicodeError, ValueError):
        return False
    unfolded = _FOLDED_LINE.sub(b" ", folded.removesuffix(b"\r\n"))
    if b"\r" in unfolded or b"\n" in unfolded:
        return False
    reparsed = POLICY.header_factory("To", unfolded.decode("ascii").removeprefix("To: "))
    return [a.addr_spec for a in reparsed.addresses] == [address.addr_spec]


def _subject(subject: str) -> str:
    line = _one_line(subject)
    line.encode("utf-8")  # a lone surrogate is a bug in the caller's template: say so here
    return line


def _boundary(message_id: str, kind: str) -> str:
    # "=_" never occurs in base64 or quoted-printable text, so this boundary
    # cannot collide with a body; deriving it from the Message-ID keeps the
    # output reproducible.
    return f"=_{kind}_{_digest(message_id, kind)}"


def _digest(message_id: str, kind: str) -> str:
    return hashlib.sha256(f"{kind}\0{message_id}".encode()).hexdigest()[:24]


def _multipart(subtype: str, parts: Sequence[MIMEPart], message_id: str) -> MIMEPart:
    container = MIMEPart(policy=POLICY)
    # As make_alternative() and make_related() write it, for a part that is still empty.
    container["Content-Type"] = f"multipart/{subtype}"
    container.set_param("boundary", _boundary(message_id, subtype))
    for part in parts:
        container.attach(part)
    return container


def _html_part(html: str, image: InlineImage | None, message_id: str) -> MIMEPart:
    """The HTML part; with an image, multipart/related holding the HTML, then the image."""
    part = _text_part(html, "html")
    if image is None:
        return part
    related = _multipart("related", [part, _image_part(image)], message_id)
    related.set_param("type", "text/html")  # RFC 2387 requires the root part's type
    return related


def _image_part(image: InlineImage) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    # No file name: mail programs tend to list a named part as an attachment too.
    part.set_content(image.png, "image", "png", cte="base64", disposition="inline",
                     cid=image.content_id)
    return part


def _text_part(body: str, subtype: str) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    _set_text(part, body, subtype)
    return part


def _set_text(part: MIMEPart, body: str, subtype: str) -> None:
    # Quoted-printable keeps every line 7-bit and short whatever the server
    # supports; "=" is encoded, which keeps the "=_" boundaries unique.
    part.set_content(body, subtype=subtype, charset="utf-8", cte="quoted-printable")


def _calendar_part(calendar: Calendar) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    # Base64: the object arrives byte for byte, its CRLF line ends included.
    part.set_content(calendar.ics, "text", "calendar", cte="base64")
    # Written exactly as Google and Thunderbird write it (unquoted method);
    # the email package would quote every parameter. Both values are fixed
    # strings, so nothing reaches this header unchecked.
    del part["Content-Type"]
    part.set_raw("Content-Type", f'text/calendar; charset="UTF-8"; method={calendar.method}')
    return part


def _attachment_part(calendar: Calendar) -> MIMEPart:
    part = MIMEPart(policy=POLICY)
    part.set_content(calendar.ics, "application", "ics", cte="base64",
                     disposition="attachment", filename=ATTACHMENT_NAME,
                     params={"name": ATTACHMENT_NAME})
    return part
