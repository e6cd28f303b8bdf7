"""Forms of the admin pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from booking.services.legal_texts import MAX_LENGTH as MAX_LEGAL_TEXT
from booking.services.webhooks import BOOKING_EVENTS
from booking.web.presenting import language_names


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


class WebhookForm(FlaskForm):
    url = StringField(_l("Receiver address (https://…)"),
                      validators=[DataRequired(), Length(max=2000)])
    events = SelectMultipleField(
        _l("Events"), choices=[SelectChoice(event.value, event.value) for event in BOOKING_EVENTS],
        default=[event.value for event in BOOKING_EVENTS],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
        validators=[DataRequired(_l("Choose at least one event."))])
    include_client_details = BooleanField(
        _l("Include client details (name, email, phone, message)"),
        description=_l("Only for a receiver the practice controls and may pass client "
                       "data to. Off: ids, times, therapist, status and source only."))


class LegalTextForm(FlaskForm):
    """An Impressum or privacy notice, in both page languages, in Markdown."""

    source_de = TextAreaField(_l("German"), validators=[
        DataRequired(_l("Please write the German text (or keep the template).")),
        Length(max=MAX_LEGAL_TEXT, message=_l("At most %(max)d characters, please."))])
    source_en = TextAreaField(_l("English"), validators=[
        DataRequired(_l("Please write the English text (or keep the template).")),
        Length(max=MAX_LEGAL_TEXT, message=_l("At most %(max)d characters, please."))])
