"""Reading a picture from an upload form: the request's size is limited before
anything is parsed, and every refusal is said in the user's language.

The views that take a picture are exempt from CSRFProtect's check before the request,
which would read the whole body before the view could limit it; their form checks
the same token itself (a missing or wrong one is a 400, as everywhere)."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import FileField

from booking import images

# The form's other fields (its CSRF token) and the multipart framing need a little
# more than the picture itself.
_FORM_OVERHEAD = 64 * 1024


class PictureForm(FlaskForm):
    picture = FileField(_l("Picture (PNG, JPEG or WebP, at most 2 MB)"))


def picture_form() -> tuple[PictureForm, bytes | None]:
    """The submitted form and the picture's bytes; None with the reason on the field
    when there is no picture, or it is larger than any picture may be (the body is
    then not read). The picture itself is checked by the service."""
    request.max_content_length = images.MAX_UPLOAD_BYTES + _FORM_OVERHEAD
    try:
        form = PictureForm()
    except RequestEntityTooLarge:
        form = PictureForm(formdata=None)
        form.picture.errors = [too_big()]
        return form, None
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return form, None
    upload = form.picture.data
    data = upload.read(images.MAX_UPLOAD_BYTES + 1) if upload else b""
    if not data:
        form.picture.errors.append(_("Please choose a picture file."))
        return form, None
    return form, data


def too_big() -> str:
    return _("This file is larger than %(megabytes)s MB. Please choose a smaller one.",
             megabytes=images.MAX_UPLOAD_BYTES // (1024 * 1024))


def refusal(problem: images.ImageRefused) -> str:
    """Why a picture was not taken, for the person who chose it."""
    if problem.reason == "too_big":
        return too_big()
    if problem.reason == "too_many_pixels":
        return _("This image has too many pixels. Please choose one of at most "
                 "%(megapixels)s megapixels and %(side)s pixels on its longest side.",
                 megapixels=images.MAX_PIXELS // 1_000_000, side=images.MAX_SIDE)
    return _("This file is not a PNG, JPEG or WebP image (SVG and other formats are not "
             "accepted). Please choose a photo or picture in one of these formats.")
