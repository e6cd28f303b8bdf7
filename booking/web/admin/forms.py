"""Forms of the admin pages."""

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations  # type: ignore[import-untyped]
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from booking import clock
from booking.models.webhooks import WebhookEvent
from booking.public_holidays import PRACTICE_ZONE
from booking.services.legal_texts import MAX_LENGTH as MAX_LEGAL_TEXT
from booking.services.webhooks import BOOKING_EVENTS
from booking.web.presenting import language_names
from booking.web.shared import meeting_template

MAX_CLOSING_DAYS = 366
MAX_DAYS_AHEAD = 3 * 366


class InviteForm(FlaskForm):
    name = StringField(_l("Name as visitors see it"),
                       validators=[DataRequired(_l("Please give a name.")), Length(max=120)])
    email = EmailField(_l("Email address"),
                       validators=[DataRequired(_l("Please give an email address.")),
                                   Length(max=254)])
    admin = BooleanField(_l("May manage the practice (admin)"))


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Name as visitors see it"),
                               validators=[DataRequired(_l("Please give a name.")),
                                           Length(max=120)])
    title = StringField(_l("Title or profession (optional)"),
                        validators=[Optional(), Length(max=120)])
    bio = TextAreaField(_l("A few words for visitors (optional)"),
                        validators=[Optional(), Length(max=1000)])
    title_en = StringField(_l("Title or profession in English (optional)"),
                           validators=[Optional(), Length(max=120)])
    bio_en = TextAreaField(_l("A few words for visitors in English (optional)"),
                           validators=[Optional(), Length(max=1000)],
                           description=_l("For the English pages; without it they show the "
                                          "German text."))
    email = EmailField(_l("Email address"),
                       validators=[DataRequired(_l("Please give an email address.")),
                                   Length(max=254)])
    timezone = SelectField(_l("Time zone of the working hours"))
    admin = BooleanField(_l("May manage the practice (admin)"))


class ReassignForm(FlaskForm):
    to = SelectField(_l("Hand over to"), coerce=int, validate_choice=True)

    def offer(self, therapists) -> "ReassignForm":
        """Each colleague with the languages they hold sessions in."""
        self.to.choices = [(t.id, f"{t.display_name} ({', '.join(language_names(t.languages))})")
                           for t in therapists]
        return self


class WaiverForm(FlaskForm):
    email = EmailField(_l("Email address"),
                       validators=[DataRequired(_l("Please give an email address.")),
                                   Length(max=254)])
    note = StringField(_l("Why (optional, only for the team)"),
                       validators=[Optional(), Length(max=200)])


def event_labels() -> dict[str, str]:
    """What each webhook event means, in words; the receiving system knows it by its id,
    which the page shows next to them."""
    return {WebhookEvent.REQUESTED: _("Booked, not confirmed yet"),
            WebhookEvent.CONFIRMED: _("Confirmed by the client"),
            WebhookEvent.CANCELLED: _("Cancelled"),
            WebhookEvent.RESCHEDULED: _("Moved to another time"),
            WebhookEvent.EXPIRED: _("Not confirmed in time (the reservation lapsed)"),
            WebhookEvent.TEST: _("Test event")}


class WebhookForm(FlaskForm):
    url = StringField(_l("Receiver address (https://…)"),
                      validators=[DataRequired(), Length(max=2000)])
    events = SelectMultipleField(
        _l("Events"),
        default=[event.value for event in BOOKING_EVENTS],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
        validators=[DataRequired(_l("Choose at least one event."))])
    include_client_details = BooleanField(
        _l("Include client details (name, email, phone, message)"),
        description=_l("Only for a receiver the practice controls and may pass client "
                       "data to. Off: ids, times, therapist, status and source only."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = event_labels()  # in the admin's language: known only per request
        self.events.choices = [SelectChoice(event.value, f"{labels[event]} ({event.value})")
                               for event in BOOKING_EVENTS]


class BookingFilterForm(Form):
    """The filters above the practice's booking list (a GET form: it changes nothing,
    so it carries no CSRF token and its address can be bookmarked). "" is "any"."""

    class Meta:
        def get_translations(self, form):
            return translations  # WTForms' own messages in the admin's language

    therapist = SelectField(_l("Therapist"), default="")
    status = SelectField(_l("Status"), default="")
    source = SelectField(_l("Source"), default="")
    start_from = DateField(_l("From"), validators=[Optional()])
    start_to = DateField(_l("To (inclusive)"), validators=[Optional()])

    def validate_start_to(self, field) -> None:
        if field.data and self.start_from.data and field.data < self.start_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class PracticeDetailsForm(FlaskForm):
    name = StringField(_l("Name of the practice"),
                       validators=[DataRequired(_l("Please give a name.")), Length(max=120)],
                       description=_l("Visitors also see it as the sender of the emails."))
    address = TextAreaField(_l("Address (optional)"), validators=[Optional(), Length(max=500)])
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("Email address"),
                       validators=[DataRequired(_l("Please give an email address.")),
                                   Length(max=254)])
    accent = StringField(
        _l("Accent colour (optional)"),
        validators=[Optional(), Length(max=7, message=_l(
            "Please give a colour as #rrggbb, such as #0b5c6b."))],
        description=_l("A colour such as #0b5c6b for buttons and links, on the pages and "
                       "in the emails; empty for the standard colour. It must be dark "
                       "enough for white text on buttons and for links on the page "
                       "background (WCAG AA, at least 4.5:1)."))
    meeting_url = URLField(
        _l("Default link to the online meeting room (optional)"),
        validators=[meeting_template],
        description=_l("For every therapist who gives no link of their own. Write {room} "
                       "where the room's name goes, e.g. https://video.praxis.example/{room}: "
                       "each session then gets a room of its own."))


class ClosingPeriodForm(FlaskForm):
    first_day = DateField(_l("First closed day"),
                          validators=[DataRequired(_l("Please give the first closed day."))])
    last_day = DateField(_l("Last closed day (inclusive)"), validators=[
        DataRequired(_l("Please give the last closed day (the same day for a single day)."))])
    label = StringField(_l("Label for the team and visitors (optional), e.g. Christmas break"),
                        validators=[Optional(), Length(max=120)])

    def validate_first_day(self, field) -> None:
        if field.data and field.data > _today() + timedelta(days=MAX_DAYS_AHEAD):
            raise ValidationError(_l("Closing days can be entered at most three years ahead."))

    def validate_last_day(self, field) -> None:
        if field.data and field.data < _today():
            raise ValidationError(_l("This period is over already."))
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError(_l("The last day is before the first."))
        if self.first_day.data and field.data and (
                field.data - self.first_day.data).days >= MAX_CLOSING_DAYS:
            raise ValidationError(_l("A closing period can last at most a year."))


def _today() -> date:
    """Today in the practice's zone, where closing days are dates."""
    return clock.utcnow().astimezone(PRACTICE_ZONE).date()


class LegalTextForm(FlaskForm):
    """An Impressum or privacy notice, in both page languages, in Markdown."""

    source_de = TextAreaField(_l("German"), validators=[
        DataRequired(_l("Please write the German text (or keep the template).")),
        Length(max=MAX_LEGAL_TEXT, message=_l("At most %(max)d characters, please."))])
    source_en = TextAreaField(_l("English"), validators=[
        DataRequired(_l("Please write the English text (or keep the template).")),
        Length(max=MAX_LEGAL_TEXT, message=_l("At most %(max)d characters, please."))])
