"""The visitor's manage link: see, confirm, download, move or cancel a booking.

GET only ever shows; every change is a POST, so mail scanners that follow
links change nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from booking import clock
from booking.errors import NotFound, SlotUnavailable, TooLateToChange
from booking.extensions import limiter
from booking.models import Booking, BookingStatus
from booking.services import bookings, closing, matching, schedule
from booking.services.bookings import Policy
from booking.services.invites import calendar_links, download_ics, event_for
from booking.settings import current_settings
from booking.validation import visitor_zone
from booking.web import limits
from booking.web.presenting import ShownWeek, days_of_week, locale_name, shown_week
from booking.web.public import bp
from booking.web.public.context import parse_start
from booking.web.public.forms import CancelForm, ConfirmForm, CopyForm, RescheduleForm
from booking.web.zones import zone_picker

# Wrong manage links from one network address, counted over all of its routes.
_token_guesses = limiter.shared_limit(limits.TOKEN_GUESSES, scope="manage-token",
                                      deduct_when=limits.not_found)


def _booking_or_404(token: str) -> Booking:
    try:
        return bookings.find_by_token(token)
    except NotFound:
        abort(404)


def _policy() -> Policy:
    return current_settings().policy


@bp.get("/b/<token>")
@_token_guesses
def manage(token: str):
    booking = _booking_or_404(token)
    now = clock.utcnow()
    policy = _policy()
    # No manage link in what goes to Google's and Microsoft's sites.
    event = event_for(booking, locale=booking.visitor_locale)
    return render_template(
        "public/manage.html", booking=booking, token=token, zone=visitor_zone(
            booking.visitor_timezone),
        can_change=booking.can_visitor_change(now, policy.change_cutoff),
        can_confirm=booking.can_confirm(now), links=calendar_links(event),
        live=booking.is_live(now), lapsed=booking.lapsed(now),
        confirm_form=ConfirmForm(), copy_form=CopyForm(),
    )


@bp.get("/b/<token>/confirm")
@_token_guesses
def confirm_page(token: str):
    booking = _booking_or_404(token)
    if booking.status is not BookingStatus.PENDING:
        return redirect(url_for("public.manage", token=token))
    return render_template("public/confirm.html", booking=booking, token=token,
                           zone=visitor_zone(booking.visitor_timezone), form=ConfirmForm(),
                           can_confirm=booking.can_confirm(clock.utcnow()))


@bp.post("/b/<token>/confirm")
@_token_guesses
def confirm(token: str):
    booking = _booking_or_404(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if booking.status is not BookingStatus.PENDING:  # the page says what it is now
        return redirect(url_for("public.manage", token=token), code=303)
    try:
        bookings.confirm_booking(token, now=clock.utcnow(), policy=_policy())
    except SlotUnavailable:
        return redirect(url_for("public.manage", token=token, notice="expired"), code=303)
    return redirect(url_for("public.manage", token=token), code=303)


@bp.get("/b/<token>/cancel")
@_token_guesses
def cancel_page(token: str):
    """The step before cancelling: what will happen and who is told, and a way back."""
    booking = _booking_or_404(token)
    now = clock.utcnow()
    if not (booking.is_live(now) and booking.can_visitor_change(now, _policy().change_cutoff)):
        return redirect(url_for("public.manage", token=token))  # that page says why
    return render_template("public/cancel.html", booking=booking, token=token,
                           zone=visitor_zone(booking.visitor_timezone), form=CancelForm())


@bp.post("/b/<token>/cancel")
@_token_guesses
def cancel(token: str):
    _booking_or_404(token)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        bookings.cancel_by_visitor(token, reason=(form.reason.data or "").strip(),
                                   now=clock.utcnow(), policy=_policy())
    except TooLateToChange:
        return redirect(url_for("public.manage", token=token, notice="too_late"), code=303)
    return redirect(url_for("public.manage", token=token, notice="cancelled"), code=303)


@bp.route("/b/<token>/reschedule", methods=["GET", "POST"])
@_token_guesses
def reschedule(token: str):
    booking = _booking_or_404(token)
    now = clock.utcnow()
    zone = visitor_zone(request.args.get("tz") or booking.visitor_timezone)
    form = RescheduleForm()
    problem = None
    week = request.args.get("week")
    if form.validate_on_submit():
        start = parse_start(form.start.data)
        try:
            if start is None:
                raise SlotUnavailable("unreadable start")
            bookings.reschedule_by_visitor(token, start=start, now=now, policy=_policy())
        except SlotUnavailable:
            problem = "taken"
            if start is not None:
                # The form posts no week: the visitor was choosing in the lost time's
                # week, and its other free times are the nearest ones to offer.
                week = start.astimezone(zone).date().isoformat()
        except TooLateToChange:
            problem = "too_late"
        else:
            return redirect(url_for("public.manage", token=token, notice="moved"), code=303)
    elif form.csrf_token.errors:
        problem = "unverified"  # forged, foreign or stale: nothing moves, the page says so
    shown = _week_of_moves(booking, week, zone, now)
    monday = shown.monday
    return render_template(
        "public/reschedule.html", booking=booking, token=token, zone=zone, form=form,
        days=days_of_week(monday, shown.slots, zone, closed=closing.closed_days(
            monday, monday + timedelta(days=6), holiday_state=_policy().holiday_state,
            locale=locale_name())), monday=monday,
        previous=monday - timedelta(days=7), next=monday + timedelta(days=7),
        this_week=monday <= now.astimezone(zone).date(), later=shown.later,
        skipped=shown.skipped, problem=problem,
        can_change=booking.can_visitor_change(now, _policy().change_cutoff),
        live=booking.is_live(now),
        zones=zone_picker(now, zone, locale_name(), complete=request.args.get("zones") == "all",
                          query=request.args.get("zq", "")),
    ), {"unverified": 400}.get(problem or "", 409 if problem else 200)


def _week_of_moves(booking: Booking, asked: str | None, zone: ZoneInfo,
                   now: datetime) -> ShownWeek:
    """The week of times `booking` can move to that its page shows, chosen as the
    booking page chooses its week: without one `asked` for, the first with a free time."""
    holidays = _policy().holiday_state
    return shown_week(
        asked, zone, now,
        free_between=lambda start, end: [
            slot for slot in schedule.free_slots(
                booking.therapist, booking.session_type, now=now, start=start, end=end,
                holiday_state=holidays, ignoring=booking)
            if slot.start != booking.start_utc],  # its own time is no move
        first_free_from=lambda after: matching.first_free(
            [booking.therapist], booking.session_type, now=now, after=after,
            holiday_state=holidays, ignoring=booking))


@bp.get("/b/<token>/move")
@_token_guesses
def move_page(token: str):
    """The step before moving: the old and the new time, who is told, and a way back.
    Its button posts to `reschedule`, which does the move."""
    booking = _booking_or_404(token)
    now = clock.utcnow()
    zone = visitor_zone(request.args.get("tz") or booking.visitor_timezone)
    start = parse_start(request.args.get("start"))
    if start is None or not (booking.is_live(now) and booking.can_visitor_change(
            now, _policy().change_cutoff)):
        return redirect(url_for("public.reschedule", token=token, tz=zone.key))
    offered = start != booking.start_utc and schedule.is_offered(
        booking.therapist, booking.session_type, start, now=now,
        holiday_state=_policy().holiday_state, ignoring=booking)
    form = RescheduleForm(start=start.isoformat())
    return render_template(
        "public/move.html", booking=booking, token=token, zone=zone, form=form, start=start,
        end=start + booking.session_type.duration, offered=offered,
    ), 200 if offered else 409


@bp.get("/b/<token>/invite.ics")
@_token_guesses
def invite_download(token: str):
    booking = _booking_or_404(token)
    if not booking.is_live(clock.utcnow()):
        abort(404)
    manage_url = current_settings().links.url("public.manage", token=token)
    body = download_ics(booking, manage_url=manage_url, locale=booking.visitor_locale)
    return Response(body, content_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="erstgespraech.ics"',
        "Cache-Control": "no-store",
    })


# What a change's outcome is called in the redirect after it (?notice=…): a flashed
# message would need the session, and visitor pages set no cookie. Only these keys
# show anything; each says "done" or "problem".
NOTICE_KINDS = {"cancelled": "done", "moved": "done", "expired": "problem", "too_late": "problem",
                "copy_sent": "done"}


@bp.context_processor
def notices() -> dict:
    """The notice named in the address (?notice=…), in the visitor's language."""
    key = request.args.get("notice", "")
    if key not in NOTICE_KINDS:
        return {"visitor_notice": None}
    texts = {
        "cancelled": _("Your booking is cancelled. We have let everyone involved know."),
        "moved": _("Your booking has moved to the new time. You will receive an updated "
                   "calendar invitation."),
        "expired": _("This reservation was not confirmed in time and has lapsed."),
        "too_late": _("Online changes are no longer possible this close to the appointment."),
        "copy_sent": _("We have sent a link to a copy of your data to the email address of "
                       "this booking. It works once, for 24 hours."),
    }
    return {"visitor_notice": (NOTICE_KINDS[key], texts[key])}
