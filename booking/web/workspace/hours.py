"""Weekly hours and time off, with a preview of what visitors will be offered."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from booking import clock
from booking.errors import InvalidInput, NotFound
from booking.meeting_links import is_shared
from booking.models import Booking
from booking.services import closing, hours, matching, schedule
from booking.settings import current_settings
from booking.web.presenting import days_of_week, locale_name
from booking.web.shared import ActionForm
from booking.web.workspace import bp
from booking.web.workspace.forms import (
    WEEKDAY_FIELDS,
    BookingRulesForm,
    TimeOffForm,
    WeeklyHoursForm,
    notice_hours,
    notice_minutes,
)

PREVIEW = timedelta(days=14)
# The rules the form asks as they are stored; minimum notice it asks in hours.
_AS_STORED = tuple(name for name in hours.RULE_FIELDS if name != "minimum_notice_minutes")


@bp.route("/hours", methods=["GET", "POST"])
def hours_page():
    now = clock.utcnow()
    form = WeeklyHoursForm(formdata=request.form if request.method == "POST" else None,
                           data=_current_week())
    outside = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            week = {n: getattr(form, name).parsed for n, name in enumerate(WEEKDAY_FIELDS)}
            outside = hours.replace_weekly_hours(current_user.id, week, now=now)
            flash("hours_saved", "done")
        else:
            status = 422
    return _hours_page(now, form=form, outside=outside), status


@bp.post("/time-off")
def time_off_add():
    form = TimeOffForm()
    if form.validate_on_submit():
        try:
            hours.add_time_off(current_user.id, first_day=form.first_day.data,
                               last_day=form.last_day.data, from_time=form.from_time.data,
                               to_time=form.to_time.data, note=(form.note.data or "").strip(),
                               now=clock.utcnow())
        except InvalidInput as problem:
            if problem.message == "over":
                # Saved, it would be listed nowhere and block nothing: say so instead.
                form.last_day.errors = [_("This time off is over already. Please check the "
                                          "dates, the year too.")]
            else:
                # Only a same-day period whose end time is not after its start gets here.
                form.to_time.errors = [_("The time off ends before it starts.")]
        else:
            flash("time_off_saved", "done")
            return redirect(url_for("workspace.hours_page"), code=303)
    # The page again, with what was typed and each problem next to its field.
    return _hours_page(clock.utcnow(), time_off_form=form), 422


def _hours_page(now: datetime, *, form: WeeklyHoursForm | None = None,
                outside: list[Booking] | None = None,
                time_off_form: TimeOffForm | None = None) -> str:
    """The hours page; a form not given starts from what is stored, whatever was posted."""
    form = form or WeeklyHoursForm(formdata=None, data=_current_week())
    return render_template("workspace/hours.html", form=form, outside=outside,
                           time_off_form=time_off_form or TimeOffForm(formdata=None),
                           action_form=ActionForm(),
                           time_off=hours.upcoming_time_off(current_user.id, now=now),
                           during_time_off=hours.during_time_off(current_user.id, now=now),
                           preview=_preview(now), zone=current_user.zone, visit=None)


@bp.post("/time-off/<int:time_off_id>/remove")
def time_off_remove(time_off_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        hours.remove_time_off(current_user.id, time_off_id)
    except NotFound:
        abort(404)
    flash("time_off_removed", "done")
    return redirect(url_for("workspace.hours_page"), code=303)


def _current_week() -> dict[str, str]:
    texts: dict[str, list[str]] = {name: [] for name in WEEKDAY_FIELDS}
    for interval in current_user.working_hours:
        texts[WEEKDAY_FIELDS[interval.weekday]].append(
            f"{interval.start_time:%H:%M}-{interval.end_time:%H:%M}")
    return {name: ", ".join(parts) for name, parts in texts.items()}


def _preview(now):
    """The next two weeks as visitors see them: the same slot engine, the same data."""
    session_type = matching.first_session_type()
    if session_type is None:
        return []
    zone = current_user.zone
    holiday_state = current_settings().policy.holiday_state
    slots = schedule.free_slots(current_user, session_type, now=now, start=now,
                                end=now + PREVIEW, holiday_state=holiday_state)
    today = now.astimezone(zone).date()
    closed = closing.closed_days(today, today + PREVIEW, holiday_state=holiday_state,
                                 locale=locale_name())
    days = days_of_week(today, slots, zone, count=PREVIEW.days + 1, closed=closed)
    return [day for day in days if day.slots or day.closed]


@bp.route("/rules", methods=["GET", "POST"])
def rules_page():
    rules = current_user.rules
    form = BookingRulesForm(
        formdata=request.form if request.method == "POST" else None,
        data={**{name: getattr(rules, name) for name in _AS_STORED},
              "minimum_notice_hours": notice_hours(rules.minimum_notice_minutes),
              "languages": current_user.languages})
    if request.method == "POST":
        if not form.validate_on_submit():
            return _rules_page(form), 422
        asked = {name: getattr(form, name).data for name in _AS_STORED}
        hours.save_rules(current_user.id, languages=form.languages.data, **asked,
                         minimum_notice_minutes=notice_minutes(form.minimum_notice_hours.data))
        flash("rules_saved", "done")
        return redirect(url_for("workspace.rules_page"), code=303)
    return _rules_page(form)


def _rules_page(form: BookingRulesForm) -> str:
    # A fixed link (no {room}) gets a warning next to it: every client shares the room.
    return render_template("workspace/rules.html", form=form, visit=None,
                           shared_room=is_shared((form.meeting_url.data or "").strip()))
