"""The therapist's bookings and calendar feed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from booking import clock
from booking.errors import InvalidTransition, NotFound
from booking.models import Booking, FeedScope
from booking.services import agenda, audit, bookings, delivery, feeds
from booking.settings import current_settings
from booking.web.presenting import by_local_day
from booking.web.shared import (
    ActionForm,
    CancelForm,
    message_labels,
    posted_search,
    staff_notices,
)
from booking.web.workspace import PUBLIC_ENDPOINTS, bp
from booking.web.workspace.forms import NoteForm


@bp.before_request
def require_sign_in():
    """Every workspace page but signing in is for signed-in therapists only."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return login_required(lambda: None)()


@bp.route("/", methods=["GET", "POST"])
def dashboard():
    """The own bookings; a search is posted (never in the address, it is a client's name
    or email) and its results are shown at once, without a redirect."""
    now = clock.utcnow()
    past = request.values.get("past") == "1"
    search = posted_search()
    found = agenda.bookings_of(current_user.id, now=now, past=past, search=search)
    zone = current_user.zone
    days = by_local_day(found, zone)
    return render_template("workspace/dashboard.html", days=days, past=past, search=search,
                           zone=zone, now=now, visit=None)


@bp.get("/bookings/<int:booking_id>")
def booking(booking_id: int):
    found = _own(booking_id)
    now = clock.utcnow()
    audit.record_view(found.id, current_user.id, now)
    return render_template(
        "workspace/booking.html", booking=found, zone=current_user.zone, now=now,
        history=bookings.history(found),
        cancel_form=CancelForm(), note_form=NoteForm(note=found.private_note),
        action_form=ActionForm(), can_cancel=found.can_cancel(now),
        can_record=found.can_complete(now), undeliverable=delivery.failed_for_booking(found.id),
        **message_labels(), visit=None)


@bp.post("/bookings/<int:booking_id>/cancel")
def cancel(booking_id: int):
    _own(booking_id)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.confirmed:
        flash("cancel_unconfirmed", "problem")
        return redirect(url_for("workspace.booking", booking_id=booking_id), code=303)
    try:
        bookings.cancel_by_therapist(booking_id, therapist_id=current_user.id,
                                     message=(form.message.data or "").strip(),
                                     now=clock.utcnow())
    except InvalidTransition:
        flash("not_possible", "problem")
    else:
        flash("cancelled", "done")
    return redirect(url_for("workspace.booking", booking_id=booking_id), code=303)


@bp.post("/bookings/<int:booking_id>/outcome")
def outcome(booking_id: int):
    _own(booking_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        bookings.record_outcome(booking_id, therapist_id=current_user.id,
                                attended=request.form.get("attended") == "yes",
                                now=clock.utcnow())
    except InvalidTransition:
        flash("not_possible", "problem")
    return redirect(url_for("workspace.booking", booking_id=booking_id), code=303)


@bp.post("/bookings/<int:booking_id>/note")
def note(booking_id: int):
    _own(booking_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    bookings.save_private_note(booking_id, therapist_id=current_user.id,
                               note=(form.note.data or "").strip(), now=clock.utcnow())
    flash("note_saved", "done")
    return redirect(url_for("workspace.booking", booking_id=booking_id), code=303)


@bp.get("/calendar-feed")
def feed_card():
    token = feeds.current_token(therapist_id=current_user.id, scope=FeedScope.THERAPIST,
                                secret_key=current_settings().secret_key,
                                now=clock.utcnow())
    feed = feeds.settings_of(current_user.id)
    if feed is None:  # current_token has just made it; gone only if removed meanwhile
        abort(404)
    https = current_settings().links.url("feeds.feed", token=token)
    return render_template("workspace/feed.html", https=https,
                           webcal="webcal://" + https.split("://", 1)[1], form=ActionForm(),
                           full_details=feed.full_details, visit=None)


@bp.post("/calendar-feed/details")
def feed_details():
    if not ActionForm().validate_on_submit():
        abort(400)
    feeds.set_full_details(therapist_id=current_user.id, full=request.form.get("full") == "yes",
                           secret_key=current_settings().secret_key, now=clock.utcnow())
    flash("feed_details", "done")
    return redirect(url_for("workspace.feed_card"), code=303)


@bp.post("/calendar-feed/rotate")
def rotate_feed():
    if not ActionForm().validate_on_submit():
        abort(400)
    feeds.rotate(therapist_id=current_user.id, scope=FeedScope.THERAPIST,
                 secret_key=current_settings().secret_key, now=clock.utcnow())
    flash("feed_rotated", "done")
    return redirect(url_for("workspace.feed_card"), code=303)


@bp.context_processor
def notices() -> dict:
    """What the flashed keys mean, in the therapist's language."""
    return {"notices": staff_notices()}


def _own(booking_id: int) -> Booking:
    """One of the signed-in therapist's bookings; anyone else's is simply not there."""
    try:
        return bookings.own_booking(booking_id, current_user.id)
    except NotFound:
        abort(404)
