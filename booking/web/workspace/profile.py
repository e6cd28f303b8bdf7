"""The therapist's own profile as visitors see it: for now, their photo."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from booking import clock
from booking.images import ImageRefused
from booking.services import practice
from booking.web.shared import ActionForm
from booking.web.uploads import PictureForm, picture_form, refusal, refuse_oversized_body
from booking.web.workspace import bp


@bp.get("/profile")
def profile():
    return _page(PictureForm(formdata=None))


@bp.url_value_preprocessor
def limit_picture_uploads(endpoint: str | None, values: dict | None) -> None:
    if endpoint == "workspace.upload_photo":
        refuse_oversized_body(url_for("workspace.profile"))


@bp.post("/profile/photo")
def upload_photo():
    form, upload = picture_form()
    if upload is not None:
        try:
            practice.set_photo(current_user.id, upload, now=clock.utcnow())
        except ImageRefused as problem:
            form.picture.errors.append(refusal(problem))
        else:
            flash(_("The photo is saved."), "done")
            return redirect(url_for("workspace.profile"), code=303)
    return _page(form), 422


@bp.post("/profile/photo/remove")
def remove_photo():
    if not ActionForm().validate_on_submit():
        abort(400)
    practice.remove_photo(current_user.id)
    flash(_("The photo is removed."), "done")
    return redirect(url_for("workspace.profile"), code=303)


def _page(form: PictureForm) -> str:
    return render_template("workspace/profile.html", picture_form=form,
                           action_form=ActionForm(), visit=None)
