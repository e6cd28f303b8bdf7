"""Workspace forms."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from booking.services import hours
from booking.web.shared import meeting_template


class SignInForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Private note"), validators=[Optional(), Length(max=5000)])


class BusyCalendarForm(FlaskForm):
    url = StringField(_l("Secret address in iCal format"),
                      validators=[DataRequired(), Length(max=2000)],
                      render_kw={"inputmode": "url", "autocomplete": "off",
                                 "spellcheck": "false"})
    label = StringField(_l("Name (optional, e.g. Private)"),
                        validators=[Optional(), Length(max=120)])


WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _hours(form, field) -> None:
    """Check a day's hours with the service's own parser; say what is wrong in words."""
    try:
        field.parsed = hours.parse_day(field.data or "")
    except hours.HoursProblem as problem:
        messages = {
            "format": _l("“%(part)s” is not like 09:00-12:30.", part=problem.part),
            "not_a_time": _l("“%(part)s” is not a time of day.", part=problem.part),
            "reversed": _l("“%(part)s” ends before it starts.", part=problem.part),
            "overlap": _l("Two intervals overlap."),
        }
        raise ValidationError(messages[problem.code]) from problem


class WeeklyHoursForm(FlaskForm):
    monday = StringField(_l("Monday"), validators=[Length(max=200), _hours])
    tuesday = StringField(_l("Tuesday"), validators=[Length(max=200), _hours])
    wednesday = StringField(_l("Wednesday"), validators=[Length(max=200), _hours])
    thursday = StringField(_l("Thursday"), validators=[Length(max=200), _hours])
    friday = StringField(_l("Friday"), validators=[Length(max=200), _hours])
    saturday = StringField(_l("Saturday"), validators=[Length(max=200), _hours])
    sunday = StringField(_l("Sunday"), validators=[Length(max=200), _hours])

    def days(self):
        return [getattr(self, name) for name in WEEKDAY_FIELDS]


class TimeOffForm(FlaskForm):
    first_day = DateField(_l("From"), validators=[
        DataRequired(_l("Please give the first day of your time off."))])
    last_day = DateField(_l("Until (inclusive)"), validators=[
        DataRequired(_l("Please give the last day of your time off (the same day for a "
                        "single day)."))])
    from_time = TimeField(_l("From time (optional)"), validators=[Optional()])
    to_time = TimeField(_l("Until time (optional)"), validators=[Optional()])
    note = StringField(_l("Note (only for you)"), validators=[Optional(), Length(max=200)])

    def validate_last_day(self, field) -> None:
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError(_l("The last day is before the first."))


# Each says what to type, with the unit: a bare "Number must be between 0 and 240"
# in the error summary leaves open which field and what it counts.
_MINUTES = _l("Please give a number of minutes from %(min)s to %(max)s.")
_HOURS = _l("Please give a number of hours from %(min)s to %(max)s.")
_DAYS = _l("Please give a number of days from %(min)s to %(max)s.")


class BookingRulesForm(FlaskForm):
    """The booking rules. Minimum notice is asked in hours, all else as stored."""

    buffer_before_minutes = IntegerField(_l("Free minutes before each session"),
                                         validators=[InputRequired(),
                                                     NumberRange(0, 240, _MINUTES)])
    buffer_after_minutes = IntegerField(_l("Free minutes after each session"),
                                        validators=[InputRequired(),
                                                    NumberRange(0, 240, _MINUTES)])
    # In hours, as therapists think of notice ("12 hours ahead"); stored in minutes.
    minimum_notice_hours = DecimalField(
        _l("Minimum notice in hours (how soon before a session a visitor may book it)"),
        places=None, validators=[InputRequired(), NumberRange(0, 24 * 14, _HOURS)],
        render_kw={"step": "0.5", "inputmode": "decimal"})
    horizon_days = IntegerField(_l("How many days ahead visitors may book"),
                                validators=[InputRequired(), NumberRange(1, 365, _DAYS)])
    slot_step_minutes = IntegerField(_l("Start times every … minutes"),
                                     validators=[InputRequired(),
                                                 NumberRange(5, 240, _MINUTES)])
    daily_cap = IntegerField(_l("At most … first consultations a day (empty: no limit)"),
                             validators=[Optional(), NumberRange(1, 50, _l(
                                 "Please give a number from %(min)s to %(max)s, or leave "
                                 "the field empty for no limit."))])
    meeting_url = URLField(_l("Link to your online meeting room"),
                           validators=[meeting_template],
                           description=_l("Write {room} where the room's name goes, e.g. "
                                          "https://video.praxis.example/{room}: each session "
                                          "then gets a room of its own."))
    languages = SelectMultipleField(_l("Languages you hold sessions in"),
                                    choices=[SelectChoice("de", _l("German")),
                                             SelectChoice("en", _l("English"))],
                                    validators=[DataRequired(_l("Choose at least one."))],
                                    widget=ListWidget(prefix_label=False),
                                    option_widget=CheckboxInput())


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})


class NewPasswordForm(FlaskForm):
    new = PasswordField(_l("New password (at least 10 characters)"),
                        validators=[DataRequired(), Length(min=10, max=200, message=_l(
                            "Please use at least 10 characters."))],
                        render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("New password again"),
                           validators=[DataRequired(), EqualTo("new", message=_l(
                               "The two new passwords differ."))],
                           render_kw={"autocomplete": "new-password"})


class PasswordForm(NewPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()],
                            render_kw={"autocomplete": "current-password"})


class CodeForm(FlaskForm):
    code = StringField(_l("6-digit code from your authenticator app"),
                       validators=[DataRequired(), Length(max=10)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})


def notice_hours(minutes: int) -> Decimal:
    """Stored minutes of notice as the hours the form shows: 600 -> 10, 90 -> 1.5."""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    # normalize() alone would show 10 as 1E+1
    return hours.quantize(Decimal(1)) if hours == hours.to_integral_value() else hours.normalize()


def notice_minutes(hours_: Decimal) -> int:
    return round(hours_ * 60)
