"""The practice's look on every page: its details for the templates (`practice`),
its pictures at /media/<sha256>.<ext> and its accent colour as a stylesheet at
/theme/<version>.css. Both addresses name their content, so browsers keep them for a
year; the pages link the stylesheet, since the CSP allows no inline style."""

from __future__ import annotations

import contextlib
import re

from flask import Blueprint, Response, abort, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError

from booking.extensions import db
from booking.services import practice
from booking.services.practice import PracticeDetails
from booking.web.static_files import YEAR

bp = Blueprint("look", __name__)

_IMAGE_NAME = re.compile(r"[0-9a-f]{64}\.(?:png|jpg)")


def current_practice() -> PracticeDetails:
    """The practice's details, read once per request. Without a database (the page that
    says so is rendered too) the PRACTICE_* settings name the practice."""
    if "practice_details" not in g:
        defaults = PracticeDetails.from_config(current_app.config)
        try:
            g.practice_details = practice.details(defaults)
        except SQLAlchemyError:
            with contextlib.suppress(SQLAlchemyError):
                db.session.rollback()
            g.practice_details = defaults
    return g.practice_details


@bp.get("/media/<name>")
def media(name: str):
    found = practice.image(name) if _IMAGE_NAME.fullmatch(name) else None
    if found is None:
        abort(404)
    return _forever(Response(found.data, mimetype=found.content_type), found.sha256)


@bp.get("/theme/<version>.css")
def theme(version: str):
    details = current_practice()
    if not details.accent or version != details.theme_version:
        abort(404)  # an old colour's address: the page that named it is out of date
    return _forever(Response(details.theme, mimetype="text/css"), version)


def _forever(response: Response, etag: str) -> Response:
    """Cached for a year by anyone: the address changes with the content."""
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = YEAR
    response.cache_control.immutable = True
    response.make_conditional(request)  # a 304 for a browser that revalidates anyway
    return response


@bp.app_context_processor
def practice_details() -> dict[str, PracticeDetails]:
    return {"practice": current_practice()}
