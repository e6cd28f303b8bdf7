"""A copy of the visitor's data (GDPR Art. 15 and 20): asked for on the manage page,
mailed as a one-time link (never shown on a page), taken with a button press.

The link's page only shows a button: mail scanners follow links, and a GET that
used the link up would leave the visitor with nothing.

A used, an expired and a made-up link get one and the same page (a 404, counted
against the address's token guesses), which says in plain words that the link has
been used or has expired and how to ask for a new one. Saying which of the three it
is would tell a guesser that a token was real, and so that someone asked the
practice for their data; the visitor who had the link needs only the way to a new one.
"""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale

from booking import clock
from booking.errors import NotFound
from booking.extensions import limiter
from booking.services import data_copies, privacy_export
from booking.settings import current_settings
from booking.validation import visitor_zone
from booking.web import limits
from booking.web.public import bp
from booking.web.public.forms import CopyForm

# Shared with the manage link's routes: wrong guesses at either count together.
_token_guesses = limiter.shared_limit(limits.TOKEN_GUESSES, scope="manage-token",
                                      deduct_when=limits.not_found)


def _per_link() -> str:
    """A booking's copy requests, counted by its manage link (as a keyed hash): each
    sends a mail, and the mailbox is not to be flooded."""
    return "copy-request:" + limits.keyed_hash(str((request.view_args or {}).get("token", "")))


@bp.post("/b/<token>/copy")
@_token_guesses
@limiter.limit(limits.COPY_REQUESTS, key_func=_per_link, scope="copy-requests")
def request_copy(token: str):
    form = CopyForm()
    try:
        if not form.validate_on_submit():
            data_copies.booking_exists(token)  # a wrong link is a 404 before a 400
            abort(400)
        data_copies.request_copy(token, now=clock.utcnow(),
                                 secret_key=current_settings().secret_key)
    except NotFound:
        abort(404)
    return redirect(url_for("public.manage", token=token, notice="copy_sent"), code=303)


@bp.get("/copy/<token>")
@_token_guesses
def data_copy(token: str):
    try:
        copy = data_copies.usable_copy(token, now=clock.utcnow())
    except NotFound:
        return _gone()
    return render_template("public/data_copy.html", token=token, form=CopyForm(),
                           expires_at=copy.expires_at,
                           zone=visitor_zone(copy.booking.visitor_timezone))


@bp.post("/copy/<token>")
@_token_guesses
def download_copy(token: str):
    now = clock.utcnow()
    try:
        data_copies.usable_copy(token, now=now)
        if not CopyForm().validate_on_submit():
            abort(400)
        document = data_copies.take_copy(token, now=now, locale=str(get_locale() or "de"))
    except NotFound:
        return _gone()
    return Response(privacy_export.to_json(document), mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="personal-data.json"',
        "Cache-Control": "no-store",
    })


def _gone() -> tuple[str, int]:
    """The page of a link that cannot be used: the same for a used, an expired and a
    made-up one (see the module doc)."""
    return render_template("public/data_copy_gone.html"), 404
