"""What the therapists' workspace and the admin pages share: the forms behind their
buttons and what their flashed keys mean. The admin area builds on the workspace
(same sign-in, same layout) but imports only this, never the workspace's views."""

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from booking.meeting_links import TemplateProblem, check_template
from booking.models import BookingStatus, MessageKind, Recipient


class ActionForm(FlaskForm):
    """A button that changes something: CSRF only."""


def posted_search() -> str:
    """The search term of a posted booking search (a name or an email address, so never
    read from the address); empty for a GET or a post without a valid CSRF token."""
    if request.method != "POST" or not ActionForm().validate_on_submit():
        return ""
    return request.form.get("q", "").strip()[:100]


# Why a meeting-link template is refused (meeting_links.TemplateProblem codes).
TEMPLATE_PROBLEMS = {
    "not_https": _l("Please give a full address starting with https://"),
    "placeholders": _l("Use {room} at most once, and no other curly braces."),
    "not_a_url": _l("This is not a complete web address, e.g. "
                    "https://video.praxis.example/{room}"),
    "too_long": _l("The address is too long (at most 500 characters)."),
}


def meeting_template(_form: FlaskForm, field: Field) -> None:
    """A WTForms validator for a meeting-link template (a therapist's own or the
    practice's default): stripped as meeting_links.check_template takes it, or refused
    with the reason in the user's language."""
    try:
        field.data = check_template(field.data or "")
    except TemplateProblem as problem:
        raise ValidationError(TEMPLATE_PROBLEMS[problem.code]) from None


class CancelForm(FlaskForm):
    message = TextAreaField(_l("Message to the client (optional)"),
                            validators=[Optional(), Length(max=1000)])

    @property
    def confirmed(self) -> bool:
        """The box "yes, cancel" was ticked (the client is told at once)."""
        return request.form.get("confirm") == "yes"


def message_labels() -> dict[str, dict[str, str]]:
    """What each kind of message and each recipient is called, for the pages that list
    mail (the undeliverable list, a booking's page): template names kind_labels and
    recipient_labels."""
    return {
        "kind_labels": {
            MessageKind.CONFIRM_REQUEST: _("Request to confirm the email address"),
            MessageKind.CONFIRMED: _("Booking confirmation with invitation"),
            MessageKind.NEW_BOOKING: _("New booking, to the therapist"),
            MessageKind.CANCELLED: _("Cancellation"),
            MessageKind.RESCHEDULED: _("New time"),
            MessageKind.REASSIGNED: _("New therapist"),
            MessageKind.REMINDER: _("Reminder"),
            MessageKind.EXPIRED: _("Reservation lapsed"),
            MessageKind.ALREADY_BOOKED: _("Already has a free first consultation"),
            MessageKind.PASSWORD_RESET: _("Password reset"),
            MessageKind.INVITATION: _("Invitation to the team"),
        },
        "recipient_labels": {Recipient.VISITOR: _("client"), Recipient.PARTNER: _("partner"),
                             Recipient.THERAPIST: _("therapist")},
    }


def status_labels() -> dict[BookingStatus, str]:
    """What each status is called in lists and exports (as workspace/_status.html)."""
    return {BookingStatus.PENDING: _("not confirmed yet"),
            BookingStatus.CONFIRMED: _("confirmed"), BookingStatus.CANCELLED: _("cancelled"),
            BookingStatus.COMPLETED: _("took place"), BookingStatus.NO_SHOW: _("did not come"),
            BookingStatus.EXPIRED: _("not confirmed in time")}


def staff_notices() -> dict[str, str]:
    """What the flashed keys of the workspace mean, in the therapist's language."""
    return {
        "cancelled": _("The booking is cancelled; the client has been told."),
        "not_possible": _("That is not possible for this booking (any more)."),
        "cancel_unconfirmed": _("Nothing was cancelled: please tick the box to confirm."),
        "note_saved": _("Note saved."),
        "feed_rotated": _("New address made. The old one no longer works: update your "
                          "calendar program."),
        "calendar_added": _("Calendar added. Its appointments now block your booking times."),
        "calendar_removed": _("Calendar removed."),
        "two_factor_on": _("Second factor on. From now on you sign in with your password "
                           "and a code from the app."),
        "two_factor_off": _("Second factor off."),
        "password_set": _("Your password is set. Please sign in."),
        "reset_sent": _("If the address belongs to an account, we have sent a link to it. "
                        "It works once, for one hour."),
        "password_changed": _("Password changed. You have been signed out everywhere else."),
        "rules_saved": _("Saved. Visitors see the new times at once; existing bookings "
                         "stay as they are."),
        "hours_saved": _("Hours saved. Existing bookings stay as they are."),
        "time_off_saved": _("Time off saved."),
        "time_off_removed": _("Time off removed."),
        "feed_details": _("Saved. Your calendar program shows the change after its next "
                          "refresh."),
    }


def receiver_problem_text(problem: dict | None) -> str:
    """problem_text for a webhook receiver's address, which is called, not read, and
    only over https: "only https://, http:// or webcal:// can be read" would mislead."""
    if (problem or {}).get("code") == "scheme":
        return _("The address must begin with https://.")
    return problem_text(problem)


def problem_text(problem: dict | None) -> str:
    """Why a calendar (or a webhook receiver: the same guard) cannot be used, in the
    reader's language (see CalendarProblem)."""
    problem = problem or {"code": ""}
    host, code = problem.get("host", "?"), problem["code"]
    texts = {
        "malformed": lambda: _("The address is not a complete web address."),
        "scheme": lambda: _("Only addresses beginning with https://, http:// or webcal:// "
                            "can be read."),
        "credentials": lambda: _("Addresses with a user name or password are not supported."),
        "not_https": lambda: _("The address must begin with https://: otherwise booking "
                               "details would reach %(host)s unencrypted.", host=host),
        "not_public": lambda: _("%(host)s is not on the public internet.", host=host),
        "redirect_refused": lambda: _("%(host)s forwards to an address that cannot be used.",
                                      host=host),
        "not_found": lambda: _("The server %(host)s could not be found.", host=host),
        "http_status": lambda: _("%(host)s answered with error %(status)s: the address may "
                                 "be out of date, or the calendar no longer shared.",
                                 host=host, status=problem.get("status", "?")),
        "redirects": lambda: _("%(host)s forwards in a way that cannot be followed.",
                               host=host),
        "unreadable": lambda: _("No answer from %(host)s, or the connection broke off.",
                                host=host),
        "too_large": lambda: _("The calendar from %(host)s is larger than %(limit)s KiB.",
                               host=host, limit=problem.get("limit", "?")),
        "too_many_events": lambda: _("The calendar has more appointments than can be read."),
        "format": lambda: _("The file is not a calendar that can be read."),
    }
    return texts.get(code, lambda: _("The calendar could not be read."))()
