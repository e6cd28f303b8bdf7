"""Reading a picture from an upload form: a body larger than any picture is refused
before anything reads it, and every refusal is said in the user's language."""

from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import FileField

from booking import images

# The largest body a picture form may send: the picture, its CSRF token and the
# multipart framing.
LARGEST_BODY = images.MAX_UPLOAD_BYTES + 64 * 1024


class PictureForm(FlaskForm):
    picture = FileField(_l("Picture (PNG, JPEG or WebP, at most 2 MB)"))


def refuse_oversized_body(back: str) -> None:
    """For a URL value preprocessor of the routes that take a picture: those run before
    every before_request function, and some of those (CSRFProtect, the NUL check) read
    the form. A body announced larger than any picture is refused unread, with the
    reason shown on the page the form was on (`back`); one that turns out larger while
    it is read ends in a 413."""
    request.max_content_length = LARGEST_BODY
    if (request.content_length or 0) > LARGEST_BODY:
        if current_user.is_authenticated:
            flash(too_big(), "problem")
        abort(redirect(back, code=303))


def picture_form() -> tuple[PictureForm, bytes | None]:
    """The submitted form and the picture's bytes; None with the reason on the field
    when no picture came. The picture itself is checked by the service."""
    form = PictureForm()
    if not form.validate_on_submit():
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
