"""The therapist's own calendars, read as busy time."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from booking import clock
from booking.busy.fetch import host_of
from booking.errors import AlreadyExists, CalendarProblem, InvalidInput, NotFound
from booking.services import busy_calendars
from booking.settings import current_settings
from booking.web.shared import ActionForm, problem_text
from booking.web.workspace import bp
from booking.web.workspace.forms import BusyCalendarForm


@bp.route("/busy-calendars", methods=["GET", "POST"])
def busy_calendar_list():
    form = BusyCalendarForm()
    if form.validate_on_submit():
        settings = current_settings().busy
        now = clock.utcnow()
        try:
            added = busy_calendars.add_busy_calendar(
                current_user.id, form.url.data.strip(), now=now,
                policy=settings.fetch,
                label=(form.label.data or "").strip())
        except CalendarProblem as error:
            _refuse_address(form, problem_text(error.problem))
        except AlreadyExists:
            _refuse_address(form, _("You have added this calendar already."))
        except InvalidInput as error:
            if error.field == "url":
                _refuse_address(form, _("The address is too long."))
            else:
                form.label.errors.append(_("The name is too long."))
        else:
            busy_calendars.refresh_calendar(added.id, now=now, settings=settings)
            flash("calendar_added", "done")
            return redirect(url_for("workspace.busy_calendar_list"), code=303)
    return render_template("workspace/busy_calendars.html", form=form,
                           calendars=busy_calendars.busy_calendars_of(current_user.id),
                           host_of=host_of, problem_text=problem_text,
                           action_form=ActionForm(),
                           zone=current_user.zone, visit=None), 422 if form.errors else 200


def _refuse_address(form: BusyCalendarForm, reason: str) -> None:
    """Put the service's refusal at the address field, where the summary links to it."""
    form.url.errors.append(_("This address cannot be used. %(reason)s", reason=reason))


@bp.post("/busy-calendars/<int:calendar_id>/remove")
def busy_calendar_remove(calendar_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        busy_calendars.remove_busy_calendar(current_user.id, calendar_id)
    except NotFound:
        abort(404)
    flash("calendar_removed", "done")
    return redirect(url_for("workspace.busy_calendar_list"), code=303)
