"""Visitor forms. Messages are lazy so they appear in the visitor's language."""

from __future__ import annotations

import functools

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from booking import validation
from booking.errors import InvalidInput
from booking.web.public.tokens import FormToken

MESSAGE_LIMIT = 1000


def email_address(form, field) -> None:
    """email-validator without DNS: syntax and domain form only."""
    if not field.data:
        return
    try:
        field.data = validation.email(field.data)
    except InvalidInput as error:
        raise ValidationError(_l("Please enter a valid email address.")) from error


def single_line(form, field) -> None:
    if field.data and any(ch in field.data for ch in "\r\n\t"):
        raise ValidationError(_l("Please use a single line."))


class VisitorForm(FlaskForm):
    """A visitor's form: protected by a signed form token instead of the session."""

    class Meta:
        csrf_class = FormToken

        def get_translations(self, form) -> NullTranslations:
            # WTForms' own messages in the visitor's language: Flask-WTF would read their
            # catalogue from disk again on every request.
            return _wtforms_messages(str(get_locale()))


@functools.cache
def _wtforms_messages(locale: str) -> NullTranslations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class BookingForm(VisitorForm):
    """The visitor's details. Only the slot's start travels with it: therapist,
    end, price and status are the server's to decide."""

    start = HiddenField(validators=[DataRequired(_l("Please choose one of the free times."))])
    lost = HiddenField()  # a time just taken by someone else: only to offer the nearest
    form_key = HiddenField()  # one per rendered form: a re-post books once
    email_checked = HiddenField()  # the address a correction was offered for, once
    name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Please enter your name.")), Length(max=120), single_line])
    email = StringField(_l("Email address"), validators=[
        DataRequired(_l("Please enter your email address.")), Length(max=254), email_address],
        render_kw={"type": "email", "autocomplete": "email", "inputmode": "email"})
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40),
                                                             single_line],
                        render_kw={"type": "tel", "autocomplete": "tel"})
    mode = RadioField(_l("Who is coming?"), choices=[
        SelectChoice("alone", _l("Just me")), SelectChoice("couple", _l("We come as a couple"))],
        default="alone")
    partner_name = StringField(_l("Partner's name (optional)"),
                               validators=[Optional(), Length(max=120), single_line])
    partner_email = StringField(_l("Partner's email (optional)"),
                                validators=[Optional(), Length(max=254), email_address],
                                render_kw={"type": "email", "inputmode": "email"})
    message = TextAreaField(
        _l("Anything you would like us to know? (optional)"),
        description=_l("A few words are enough. Please do not write health details here; "
                       "there is room for that in the conversation."),
        validators=[Optional(), Length(max=MESSAGE_LIMIT,
                                       message=_l("Please keep it under 1000 characters."))])
    consent = BooleanField(validators=[DataRequired(
        _l("Please agree to the processing of your details so that we can book the session."))])
    reminder = BooleanField(_l("Remind me by email the day before"))
    # A field people never see: bots fill it in.
    website = StringField(_l("Leave this field empty"), validators=[Optional()],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})

    def validate_mode(self, field) -> None:
        if field.data not in ("alone", "couple"):
            field.data = "alone"


class ConfirmForm(VisitorForm):
    """A button only: links in mails are looked at by scanners, buttons are not pressed."""


class CopyForm(VisitorForm):
    """A button only: asking for a copy of one's data, or taking it from its link."""


class CancelForm(VisitorForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])


class RescheduleForm(VisitorForm):
    start = HiddenField(validators=[DataRequired()])


__all__ = ["BookingForm", "CancelForm", "ConfirmForm", "RescheduleForm", "VisitorForm"]
