"""The team and every booking of the practice."""

from __future__ import annotations

import re

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from booking import clock
from booking.errors import AlreadyExists, InvalidInput, InvalidTransition, NotFound, SlotUnavailable
from booking.models import Booking, BookingStatus, Therapist
from booking.services import (
    accounts,
    agenda,
    audit,
    bookings,
    delivery,
    erasure,
    handover,
    privacy_export,
    team,
)
from booking.web.admin import bp
from booking.web.admin.forms import InviteForm, ProfileForm, ReassignForm
from booking.web.limits import forget_rate_counters
from booking.web.presenting import locale_name
from booking.web.shared import ActionForm, CancelForm, message_labels
from booking.web.uploads import PictureForm
from booking.web.zones import zone_choices


@bp.get("/")
def overview():
    return redirect(url_for("admin.team_list"))


@bp.route("/team", methods=["GET", "POST"])
def team_list():
    form = InviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            invited = accounts.invite_therapist(email=form.email.data, name=form.name.data,
                                                admin=form.admin.data, now=clock.utcnow())
        except (InvalidInput, AlreadyExists) as problem:
            _show_problem(form, problem)
        else:
            flash("invited", "done")
            return redirect(url_for("admin.member", therapist_id=invited.id), code=303)
    if form.errors:
        status = 422
    return render_template("admin/team.html", form=form, members=team.members(),
                           counts=agenda.upcoming_counts(clock.utcnow())), status


@bp.route("/team/<int:therapist_id>", methods=["GET", "POST"])
def member(therapist_id: int):
    therapist = _member(therapist_id)
    now = clock.utcnow()
    form = ProfileForm(obj=None if request.method == "POST" else therapist,
                       admin=therapist.is_admin)
    form.timezone.choices = zone_choices(now, therapist.zone, locale_name())
    if form.validate_on_submit():
        profile = team.Profile(display_name=form.display_name.data, email=form.email.data,
                               title=form.title.data or "", bio=form.bio.data or "",
                               title_en=form.title_en.data or "",
                               bio_en=form.bio_en.data or "",
                               timezone=form.timezone.data, admin=form.admin.data)
        try:
            team.update_profile(therapist_id, profile, acting_id=current_user.id)
        except (InvalidInput, AlreadyExists) as problem:
            _show_problem(form, problem)
        else:
            flash("profile_saved", "done")
            return redirect(url_for("admin.member", therapist_id=therapist_id), code=303)
    upcoming = agenda.bookings_of(therapist_id, now=now)
    return render_template(
        "admin/member.html", member=therapist, form=form, upcoming=upcoming,
        action_form=ActionForm(), reassign_form=_reassign_form(therapist_id),
        zone=current_user.zone, picture_form=PictureForm(formdata=None),
    ), 422 if form.errors else 200


@bp.post("/team/<int:therapist_id>/active")
def set_active(therapist_id: int):
    _member(therapist_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "yes"
    try:
        team.set_active(therapist_id, active, acting_id=current_user.id)
    except InvalidInput:
        flash("not_yourself", "problem")
    else:
        flash("reactivated" if active else "deactivated", "done")
    return redirect(url_for("admin.member", therapist_id=therapist_id), code=303)


@bp.post("/team/<int:therapist_id>/invitation")
def invite_again(therapist_id: int):
    _member(therapist_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    sent = accounts.invite_again(therapist_id, now=clock.utcnow())
    flash("invited" if sent else "has_password", "done" if sent else "problem")
    return redirect(url_for("admin.member", therapist_id=therapist_id), code=303)


@bp.get("/bookings/<int:booking_id>")
def booking(booking_id: int):
    found = _booking(booking_id)
    now = clock.utcnow()
    audit.record_view(found.id, current_user.id, now)
    return render_template(
        "admin/booking.html", booking=found, zone=current_user.zone, show_therapist=True,
        history=bookings.history(found), trail=audit.trail_of(found.id),
        cancel_form=CancelForm(), action_form=ActionForm(),
        reassign_form=_reassign_form(found.therapist_id), can_change=found.can_cancel(now),
        can_erase=found.can_erase(now), undeliverable=delivery.failed_for_booking(found.id),
        **message_labels())


@bp.post("/bookings/<int:booking_id>/cancel")
def cancel(booking_id: int):
    _booking(booking_id)
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.confirmed:
        flash("cancel_unconfirmed", "problem")
        return _back_to(booking_id)
    try:
        bookings.cancel_by_practice(booking_id, by_account_id=current_user.id,
                                    message=(form.message.data or "").strip(),
                                    now=clock.utcnow())
    except InvalidTransition:
        flash("not_possible", "problem")
    else:
        flash("cancelled", "done")
    return _back_to(booking_id)


@bp.post("/bookings/<int:booking_id>/reassign")
def reassign(booking_id: int):
    found = _booking(booking_id)
    form = _reassign_form(found.therapist_id)
    if not form.validate_on_submit():
        abort(400)
    try:
        moved = handover.reassign(booking_id, to_therapist_id=form.to.data, now=clock.utcnow(),
                                  by_account_id=current_user.id)
    except (InvalidTransition, NotFound):
        flash("not_possible", "problem")
    except SlotUnavailable:
        flash("not_free", "problem")
    else:
        flash("reassigned_pending" if moved.status is BookingStatus.PENDING else "reassigned",
              "done")
    return _back_to(booking_id)


@bp.get("/bookings/<int:booking_id>/personal-data.json")
def personal_data(booking_id: int):
    """Everything stored about this booking's client (all their bookings), for their
    request under GDPR Art. 15 and 20."""
    # The document is for the client to keep: its summary is in their language.
    booking = _booking(booking_id)
    document = privacy_export.export_of_booking(booking_id, now=clock.utcnow(),
                                                locale=booking.visitor_locale)
    if document is None:  # erased: nothing left to give
        abort(404)
    audit.record_export(booking_id, current_user.id, now=clock.utcnow())
    return Response(privacy_export.to_json(document), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="personal-data-{booking_id}.json"',
        "Cache-Control": "no-store",
    })


@bp.post("/bookings/<int:booking_id>/erase")
def erase(booking_id: int):
    email_key = _booking(booking_id).visitor_email_key
    if not ActionForm().validate_on_submit():
        abort(400)
    if request.form.get("confirm") != "yes":  # it cannot be undone: asked twice
        flash("erase_unconfirmed", "problem")
        return _back_to(booking_id)
    try:
        erasure.erase_personal_data(booking_id, now=clock.utcnow(),
                                    by_account_id=current_user.id)
    except InvalidTransition:
        flash("erase_upcoming", "problem")
    else:
        forget_rate_counters({email_key} - {""})
        flash("erased", "done")
    return _back_to(booking_id)


def _back_to(booking_id: int):
    """To the page the form was on: the booking's, or the former therapist's list."""
    target = request.form.get("back", "")
    if re.fullmatch(r"[0-9]{1,9}", target):
        return redirect(url_for("admin.member", therapist_id=int(target)), code=303)
    return redirect(url_for("admin.booking", booking_id=booking_id), code=303)


def _reassign_form(current_therapist_id: int) -> ReassignForm:
    """Colleagues who can take a booking over: active and signed up (an invited one
    without a password would never see it)."""
    colleagues = [t for t in team.members()
                  if t.active and t.password_hash and t.id != current_therapist_id]
    return ReassignForm().offer(colleagues)


def _show_problem(form, problem: InvalidInput | AlreadyExists) -> None:
    """Put the service's refusal next to the field, in the admin's language."""
    if isinstance(problem, AlreadyExists):
        form.email.errors.append(_("Another team member has this email address."))
        return
    messages = {
        "email": (form.email, _("This is not a valid email address.")),
        "name": (getattr(form, "name", None) or getattr(form, "display_name", None),
                 _("Please give a name of at most 120 characters.")),
        "timezone": (getattr(form, "timezone", None),
                     _("Unknown time zone. Please choose one from the list.")),
        "admin": (form.admin, _("You cannot take away your own admin role.")),
    }
    field, message = messages.get(problem.field, (form.email, problem.message))
    field.errors.append(message)


def _member(therapist_id: int) -> Therapist:
    try:
        return team.member(therapist_id)
    except NotFound:
        abort(404)


def _booking(booking_id: int) -> Booking:
    try:
        return bookings.any_booking(booking_id)
    except NotFound:
        abort(404)
