"""The practice's details and look (name, address, phone, email, accent colour,
logo, the default meeting link) and the team's photos, as the admin sets them."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from booking import clock, colours
from booking.errors import InvalidInput, NotFound
from booking.images import ImageRefused
from booking.meeting_links import is_shared
from booking.services import practice, team
from booking.services.practice import PracticeDetails
from booking.web.admin import bp
from booking.web.admin.forms import PracticeDetailsForm
from booking.web.shared import TEMPLATE_PROBLEMS, ActionForm
from booking.web.uploads import PictureForm, picture_form, refusal, refuse_oversized_body


@bp.route("/details", methods=["GET", "POST"])
def practice_details():
    defaults = _defaults()
    saved = practice.details(defaults)
    form = PracticeDetailsForm(data=asdict(saved))
    if form.validate_on_submit():
        wanted = PracticeDetails(name=form.name.data, address=form.address.data or "",
                                 phone=form.phone.data or "", email=form.email.data,
                                 accent=form.accent.data or "",
                                 meeting_url=form.meeting_url.data or "")
        try:
            practice.save_details(wanted, defaults=defaults, now=clock.utcnow())
        except InvalidInput as problem:
            _show_problem(form, problem)
        else:
            flash(_("The practice's details are saved."), "done")
            return redirect(url_for("admin.practice_details"), code=303)
    return _page(form, PictureForm(), saved), 422 if form.errors else 200


@bp.url_value_preprocessor
def limit_picture_uploads(endpoint: str | None, values: dict | None) -> None:
    if endpoint == "admin.upload_logo":
        refuse_oversized_body(url_for("admin.practice_details"))
    elif endpoint == "admin.upload_member_photo" and values:
        refuse_oversized_body(url_for("admin.member", **values))


@bp.post("/details/logo")
def upload_logo():
    form, upload = picture_form()
    if upload is not None:
        try:
            practice.set_logo(upload, defaults=_defaults(), now=clock.utcnow())
        except ImageRefused as problem:
            form.picture.errors.append(refusal(problem))
        else:
            flash(_("The logo is saved."), "done")
            return redirect(url_for("admin.practice_details"), code=303)
    saved = practice.details(_defaults())
    return _page(PracticeDetailsForm(formdata=None, data=asdict(saved)), form, saved), 422


@bp.post("/details/logo/remove")
def remove_logo():
    if not ActionForm().validate_on_submit():
        abort(400)
    practice.remove_logo(defaults=_defaults(), now=clock.utcnow())
    flash(_("The logo is removed."), "done")
    return redirect(url_for("admin.practice_details"), code=303)


@bp.post("/team/<int:therapist_id>/photo")
def upload_member_photo(therapist_id: int):
    _member(therapist_id)
    form, upload = picture_form()
    if upload is None:
        flash(form.picture.errors[0] if form.picture.errors else _("Please choose a picture "
                                                                    "file."), "problem")
    else:
        try:
            practice.set_photo(therapist_id, upload, now=clock.utcnow())
        except ImageRefused as problem:
            flash(refusal(problem), "problem")
        else:
            flash(_("The photo is saved."), "done")
    return redirect(url_for("admin.member", therapist_id=therapist_id), code=303)


@bp.post("/team/<int:therapist_id>/photo/remove")
def remove_member_photo(therapist_id: int):
    _member(therapist_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    practice.remove_photo(therapist_id)
    flash(_("The photo is removed."), "done")
    return redirect(url_for("admin.member", therapist_id=therapist_id), code=303)


def _member(therapist_id: int) -> None:
    try:
        team.member(therapist_id)
    except NotFound:
        abort(404)


def _defaults() -> PracticeDetails:
    return PracticeDetails.from_config(current_app.config)


def _page(form: PracticeDetailsForm, logo_form: PictureForm, saved: PracticeDetails) -> str:
    # A fixed link (no {room}) gets a warning next to it: every client of everyone who
    # relies on it shares the room.
    return render_template("admin/practice_details.html", form=form, logo_form=logo_form,
                           saved=saved, action_form=ActionForm(),
                           shared_room=is_shared((form.meeting_url.data or "").strip()))


def _ratio(ratio: float) -> str:
    """A contrast ratio in the admin's language's decimals (4,54 in German)."""
    return format_decimal(colours.floored(ratio), format="0.00")


def _show_problem(form: PracticeDetailsForm, problem: InvalidInput) -> None:
    """The service's refusal next to its field, in the admin's language."""
    if isinstance(problem, colours.InsufficientContrast):
        contrast = problem.contrast
        form.accent.errors.append(_(
            "%(colour)s is too light: white button text on it has a contrast of "
            "%(buttons)s:1 and links in it on the page background %(links)s:1. WCAG AA "
            "needs at least 4.5:1 for both. Please choose a darker colour.",
            colour=contrast.colour, buttons=_ratio(contrast.on_buttons),
            links=_ratio(contrast.as_links)))
        return
    messages = {
        "accent": (form.accent, _("Please give a colour as #rrggbb, such as #0b5c6b.")),
        "email": (form.email, _("This is not a valid email address.")),
        "name": (form.name, _("Please give a name of at most 120 characters.")),
        "address": (form.address, _("Please keep the address to 500 characters.")),
        "phone": (form.phone, _("Please give the phone number with digits, spaces and "
                                "+ - / ( ) only.")),
        "meeting_url": (form.meeting_url, str(TEMPLATE_PROBLEMS.get(
            problem.message, TEMPLATE_PROBLEMS["not_a_url"]))),
    }
    field, message = messages.get(problem.field, (form.name, problem.message))
    field.errors.append(message)
