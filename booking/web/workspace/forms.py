"""Workspace forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class SignInForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class ActionForm(FlaskForm):
    """A button that changes something: CSRF only."""


class CancelForm(FlaskForm):
    message = TextAreaField(_l("Message to the client (optional)"),
                            validators=[Optional(), Length(max=1000)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Private note"), validators=[Optional(), Length(max=5000)])


class BusyCalendarForm(FlaskForm):
    url = StringField(_l("Secret address in iCal format"),
                      validators=[DataRequired(), Length(max=2000)],
                      render_kw={"inputmode": "url", "autocomplete": "off",
                                 "spellcheck": "false"})
    label = StringField(_l("Name (optional, e.g. Private)"),
                        validators=[Optional(), Length(max=120)])
