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
from booking.web.shared import ActionForm
from booking.web.workspace import bp
from booking.web.workspace.forms import BusyCalendarForm


@bp.route("/busy-calendars", methods=["GET", "POST"])
def busy_calendar_list():
    form = BusyCalendarForm()
    problem = None
    if form.validate_on_submit():
        settings = current_settings().busy
        now = clock.utcnow()
        try:
            added = busy_calendars.add_busy_calendar(
                current_user.id, form.url.data.strip(), now=now,
                policy=settings.fetch,
                label=(form.label.data or "").strip())
        except CalendarProblem as error:
            problem = problem_text(error.problem)
        except AlreadyExists:
            problem = _("You have added this calendar already.")
        except InvalidInput as error:
            problem = (_("The address is too long.") if error.field == "url"
                       else _("The name is too long."))
        else:
            busy_calendars.refresh_calendar(added.id, now=now, settings=settings)
            flash("calendar_added", "done")
            return redirect(url_for("workspace.busy_calendar_list"), code=303)
    return render_template("workspace/busy_calendars.html", form=form, problem=problem,
                           calendars=busy_calendars.busy_calendars_of(current_user.id),
                           host_of=host_of, problem_text=problem_text,
                           action_form=ActionForm(),
                           zone=current_user.zone, visit=None), 422 if problem else 200


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


def problem_text(problem: dict | None) -> str:
    """Why a calendar cannot be used, in the therapist's language (see CalendarProblem)."""
    problem = problem or {"code": ""}
    host, code = problem.get("host", "?"), problem["code"]
    texts = {
        "malformed": lambda: _("The address is not a complete web address."),
        "scheme": lambda: _("Only addresses beginning with https://, http:// or webcal:// "
                            "can be read."),
        "credentials": lambda: _("Addresses with a user name or password are not supported."),
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
