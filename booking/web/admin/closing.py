"""The practice's closing days: periods the admin closes for the whole team, and the
bookings that fall on closed days (public holidays included), which stay booked."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from booking import clock
from booking.errors import InvalidInput, NotFound
from booking.public_holidays import PRACTICE_ZONE, STATE_NAMES
from booking.services import closing
from booking.settings import current_settings
from booking.web.admin import bp
from booking.web.admin.forms import ClosingPeriodForm
from booking.web.presenting import locale_name
from booking.web.requests import LARGEST_ID
from booking.web.shared import ActionForm


@bp.route("/closing-days", methods=["GET", "POST"])
def closing_days():
    now = clock.utcnow()
    form = ClosingPeriodForm()
    if form.validate_on_submit():
        try:
            period = closing.add_closing_period(
                first_day=form.first_day.data, last_day=form.last_day.data,
                label=form.label.data or "", now=now)
        except InvalidInput:  # the form checks the order already; a race cannot reverse it
            abort(400)
        # The page again, naming the bookings inside the new period (they stay booked).
        return redirect(url_for("admin.closing_days", added=period.id), code=303)
    added = inside = None
    added_id = request.args.get("added", type=int)
    if request.method == "GET" and added_id is not None and 0 < added_id <= LARGEST_ID:
        try:
            inside = closing.bookings_inside(added_id, now=now)
            added = added_id
        except NotFound:
            pass  # removed meanwhile: nothing to report
    holiday_state = current_settings().policy.holiday_state
    return render_template(
        "admin/closing_days.html", form=form, action_form=ActionForm(), added=added,
        inside=inside, removed=request.args.get("removed") == "1",
        periods=closing.closing_periods(now=now),
        on_closed_days=closing.bookings_on_closed_days(
            now=now, holiday_state=holiday_state, locale=locale_name()),
        holiday_state=holiday_state, state_name=STATE_NAMES.get(holiday_state, holiday_state),
        zone=current_user.zone, practice_zone=PRACTICE_ZONE,
    ), 422 if form.errors else 200


@bp.post("/closing-days/<int:period_id>/remove")
def remove_closing_period(period_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        closing.remove_closing_period(period_id)
    except NotFound:
        abort(404)
    return redirect(url_for("admin.closing_days", removed=1), code=303)
