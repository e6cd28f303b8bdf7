"""Turning an outbox row into the email its recipient reads, in their language.

Rendering happens at delivery, from the booking as it is then, but with the
time and calendar SEQUENCE the row snapshotted when it was queued, so each
invitation describes the change that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from functools import partial
from typing import Any

from flask_babel import force_locale
from jinja2 import Environment

from booking import calendar, colours, images
from booking.extensions import db
from booking.links import Links
from booking.mail.message import Calendar, InlineImage, compose
from booking.models import (
    Booking,
    BookingStatus,
    MessageKind,
    OutboxMessage,
    Recipient,
    Therapist,
)
from booking.models.outbox_payloads import (
    AccountPayload,
    BookingPayload,
    Cancelled,
    CopyOfData,
    PayloadError,
    Reminder,
    WebhookCall,
    payload_from_json,
)
from booking.services import data_copies, feeds, practice
from booking.services.accounts import valid_for
from booking.services.invites import event_for, therapist_event_for
from booking.tokens import account_token, manage_token
from booking.validation import visitor_zone
from booking.zone_names import zone_place

# Which messages carry an invitation, and with which iTIP method.
_METHODS = {
    MessageKind.CONFIRMED: "REQUEST",
    MessageKind.NEW_BOOKING: "REQUEST",
    MessageKind.RESCHEDULED: "REQUEST",
    MessageKind.CANCELLED: "CANCEL",
    MessageKind.REASSIGNED: "REQUEST",
}


@dataclass(frozen=True)
class MailSettings:
    """What rendering a mail takes besides the message, built once in create_app: the
    practice's details the templates show, who sends, the secret that signs the links,
    the link builder on BASE_URL and the templates. Rendering with it needs no request,
    only an app context (for the translations). The practice's saved details, look and
    logo are filled in for each message (with_saved_practice)."""

    practice_name: str
    practice_email: str
    hold_minutes: int  # how long a confirm link holds the time, as the mail says
    sender: str  # MAIL_SENDER, as configured
    reply_to: str
    link_secret: str  # signs manage and account links (the app's SECRET_KEY)
    links: Links = field(compare=False)
    templates: Environment = field(compare=False, repr=False)
    logo: images.MailLogo | None = field(default=None, compare=False, repr=False)
    # The From's display name instead of MAIL_SENDER's own: the practice's saved name.
    sender_name: str = ""
    accent: str = colours.DEFAULT_ACCENT  # of buttons, links and the heading rule

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, links: Links,
                    templates: Environment) -> MailSettings:
        sender = config["MAIL_SENDER"]
        return cls(
            practice_name=config["PRACTICE_NAME"], practice_email=config["PRACTICE_EMAIL"],
            hold_minutes=config["BOOKING_HOLD_MINUTES"], sender=sender,
            # Visitors who answer a mail reach the practice, not a no-reply box.
            reply_to=config["MAIL_REPLY_TO"] or parseaddr(sender)[1],
            link_secret=config["SECRET_KEY"], links=links, templates=templates,
        )

    def render(self, template: str, context: Mapping[str, Any]) -> str:
        return self.templates.get_template(template).render(context)


@dataclass(frozen=True)
class Addressee:
    name: str
    email: str
    locale: str
    zone_name: str


def with_saved_practice(mail: MailSettings) -> MailSettings:
    """The settings with the practice's name, address, accent colour and logo as an admin
    saved them: a mail is sent and signed in the practice's name and wears its colour, as
    the pages show them. Until then the PRACTICE_* settings name the practice,
    MAIL_SENDER sends as it stands and the default colour paints."""
    saved = practice.saved_details()
    if saved is None:
        return mail
    return replace(mail, practice_name=saved.name, practice_email=saved.email,
                   sender_name=saved.name, accent=colours.accent_or_default(saved.accent),
                   logo=practice.mail_logo(saved.logo) if saved.logo else None)


def is_obsolete(message: OutboxMessage) -> bool:
    """Not worth sending any more: any message about a booking whose client's data was
    deleted since; an invitation for a booking cancelled since (its cancellation
    follows and says the last word); a reminder for a booking that was cancelled or
    changed since it was queued (any change raises the SEQUENCE, even a move back to
    the first time)."""
    booking = message.booking
    if booking is not None and booking.erased_at is not None:
        return True
    details = payload_from_json(message.kind, message.payload)
    if isinstance(details, CopyOfData):
        return data_copies.is_obsolete(details.export_id)
    if details.recipient is Recipient.PARTNER and booking is not None and (
            not booking.partner_email):  # the partner's data was deleted since
        return True
    if _METHODS.get(details.kind) == "REQUEST":
        return booking is None or booking.ical_status == "CANCELLED"
    if not isinstance(details, Reminder):
        return False
    return (booking is None or booking.status is not BookingStatus.CONFIRMED
            or booking.sequence != details.sequence)


def render(message: OutboxMessage, *, now: datetime, mail: MailSettings) -> EmailMessage:
    """The complete email for an outbox row (needs an app context, no request).
    PayloadError when the row does not fit its kind's contract."""
    mail = with_saved_practice(mail)
    details = payload_from_json(message.kind, message.payload)
    if isinstance(details, AccountPayload):
        return _render_account_mail(message.message_id, details, now, mail)
    if isinstance(details, WebhookCall):
        raise PayloadError("a webhook call is not a mail (booking.services.webhooks sends it)")
    booking = message.booking
    if booking is None:
        raise PayloadError(f"{message.kind}: the booking is gone")
    kind = details.kind
    farewell = details if isinstance(details, Cancelled) else None
    therapist = _therapist_of(booking, farewell.therapist_id if farewell else None)
    to = addressee(booking, details.recipient, therapist)
    token = manage_token(mail.link_secret, booking.public_id)
    links = mail.links
    zone = visitor_zone(to.zone_name)
    logo = (InlineImage.of_message(mail.logo.png, message_id=message.message_id, name="logo")
            if mail.logo else None)
    context = {
        "booking": booking, "therapist": therapist, "to": to,
        # The zone named as the pages name it ("New York, Vereinigte Staaten"), not by
        # its tz database id, in the reader's language.
        "zone": zone, "place": zone_place(zone.key, to.locale),
        "start": details.start, "end": details.end,
        "payload": details, "recipient": details.recipient,
        # Links carry the reader's language, so the pages answer in it too.
        "manage_url": links.url("public.manage", token=token, lang=to.locale),
        "confirm_url": links.url("public.confirm_page", token=token, lang=to.locale),
        "book_url": links.url("public.team", lang=to.locale), "settings": mail,
        # The therapist's own page of the booking (sign-in required): notes, cancel.
        "workspace_url": links.url("workspace.booking", booking_id=booking.id,
                                   lang=to.locale),
        "logo_src": logo.src if logo else "",
    }
    if isinstance(details, CopyOfData):
        context["copy_url"] = _copy_url(details, mail, to.locale)
    with force_locale(to.locale):
        subject = mail.render(f"emails/{kind.value}/subject.txt", context)
        text = mail.render(f"emails/{kind.value}/body.txt", context)
        html = mail.render(f"emails/{kind.value}/body.html", context)
    return compose(
        sender=mail.sender, sender_name=mail.sender_name, to=[(to.name, to.email)],
        subject=" ".join(subject.split()), text=text, html=html,
        message_id=message.message_id, reply_to=mail.reply_to, date=now,
        calendar=_invitation(booking, details,
                             _therapist_of(booking, farewell.organizer_id if farewell else None),
                             _calendar_links(booking, details.recipient, therapist, token, links),
                             to.locale, now),
        language=to.locale, image=logo,
    )


def _copy_url(details: CopyOfData, mail: MailSettings, locale: str) -> str:
    """The one-time link to a copy of the visitor's data, derived now: it is in no row."""
    secret = data_copies.link_of(details.export_id, mail.link_secret)
    if secret is None:
        raise PayloadError(f"{details.kind.value}: the copy is gone")
    return mail.links.url("public.data_copy", token=secret, lang=locale)


def _therapist_of(booking: Booking, therapist_id: int | None) -> Therapist:
    """The therapist a message is about: the booking's, or the one its payload names.
    After a hand-over, the old therapist's farewell is addressed to them (therapist_id),
    and the old calendar entry is cancelled in their name (organizer_id)."""
    if therapist_id is None:
        return booking.therapist
    return db.session.get(Therapist, therapist_id) or booking.therapist


def addressee(booking: Booking, recipient: Recipient, therapist: Therapist) -> Addressee:
    """Who gets the message and in which language and zone: never the therapist's
    language for the visitor, nor the visitor's for the therapist."""
    if recipient is Recipient.THERAPIST:
        locale = "de" if "de" in therapist.languages else "en"
        return Addressee(therapist.display_name, therapist.email, locale, therapist.timezone)
    if recipient is Recipient.PARTNER:
        return Addressee(booking.partner_name, booking.partner_email, booking.visitor_locale,
                         booking.visitor_timezone)
    return Addressee(booking.visitor_name, booking.visitor_email, booking.visitor_locale,
                     booking.visitor_timezone)


@dataclass(frozen=True)
class _CalendarLinks:
    """What the invitation's reader gets linked to: the visitor their manage page; the
    therapist their workspace page of the booking, and full details if they chose so."""

    manage_url: str = ""
    workspace_url: str = ""
    full_details: bool = False


def _calendar_links(booking: Booking, recipient: Recipient, therapist: Therapist, token: str,
                    links: Links) -> _CalendarLinks:
    if recipient is not Recipient.THERAPIST:
        return _CalendarLinks(manage_url=links.url("public.manage", token=token))
    feed = feeds.settings_of(therapist.id)
    # After a handover the former therapist's workspace no longer shows the booking.
    mine = therapist.id == booking.therapist_id
    return _CalendarLinks(
        workspace_url=links.url("workspace.booking", booking_id=booking.id) if mine else "",
        full_details=feed is not None and feed.full_details)


def _invitation(booking: Booking, details: BookingPayload, organizer: Therapist,
                reader: _CalendarLinks, locale: str, now: datetime) -> Calendar | None:
    method = _METHODS.get(details.kind)
    cancelled = details if isinstance(details, Cancelled) else None
    if method is None or (cancelled is not None and not cancelled.with_invite):
        return None
    # The state the message describes: its sequence, times, organizer and UID.
    for_therapist = details.recipient is Recipient.THERAPIST
    describe = (partial(therapist_event_for, full_details=reader.full_details,
                        workspace_url=reader.workspace_url) if for_therapist
                else partial(event_for, manage_url=reader.manage_url))
    event = describe(booking, locale=locale, sequence=details.sequence, start=details.start,
                     end=details.end, cancelled=method == "CANCEL", therapist=organizer,
                     uid=cancelled.uid if cancelled else None)
    return Calendar(ics=calendar.invite(event, method=method, stamp=now), method=method)


_ACCOUNT_LINKS = {MessageKind.PASSWORD_RESET: "workspace.reset_password",
                  MessageKind.INVITATION: "workspace.accept_invitation"}


def _render_account_mail(message_id: str, details: AccountPayload, now: datetime,
                         mail: MailSettings) -> EmailMessage:
    """A password-reset or invitation mail. Its link is signed now, at delivery, so
    the database never holds it and its validity counts from when it is sent."""
    kind = details.kind
    therapist = db.session.get(Therapist, details.therapist_id)
    if therapist is None:
        raise PayloadError(f"{kind.value}: the therapist is gone")
    token = account_token(mail.link_secret, kind.value, therapist.id,
                          therapist.account_fingerprint, expires=now + valid_for(kind))
    locale = "de" if "de" in therapist.languages else "en"
    context = {"therapist": therapist, "settings": mail,
               "link": mail.links.url(_ACCOUNT_LINKS[kind], token=token, lang=locale)}
    with force_locale(locale):
        subject = mail.render(f"emails/{kind.value}/subject.txt", context)
        text = mail.render(f"emails/{kind.value}/body.txt", context)
    return compose(sender=mail.sender, sender_name=mail.sender_name,
                   to=[(therapist.display_name, therapist.email)],
                   subject=" ".join(subject.split()), text=text, html=None,
                   message_id=message_id, reply_to=mail.reply_to, date=now,
                   language=locale)
