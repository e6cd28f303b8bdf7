"""Webhooks: the admin adds receivers, sees recent calls and sends a test event."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from booking import clock
from booking.errors import CalendarProblem, InvalidInput, NotFound
from booking.services import webhooks
from booking.settings import current_settings
from booking.web.admin import bp
from booking.web.admin.forms import WebhookForm, event_labels
from booking.web.shared import ActionForm, receiver_problem_text


@bp.route("/webhooks", methods=["GET", "POST"])
def webhooks_page():
    form = WebhookForm()
    secret = None
    if form.validate_on_submit():
        settings = current_settings()
        try:
            endpoint, secret = webhooks.add_endpoint(
                url=form.url.data, events=form.events.data,
                include_client_details=form.include_client_details.data,
                now=clock.utcnow(), secret_key=settings.secret_key,
                policy=settings.busy.fetch)
        except CalendarProblem as problem:
            form.url.errors = [receiver_problem_text(problem.problem)]
        except InvalidInput:
            form.events.errors = [_("Choose at least one event.")]
        else:
            # Shown on this answer only (not after a redirect): it is stored nowhere.
            form = WebhookForm(formdata=None)
            flash("webhook_added", "done")
    return render_template(
        "admin/webhooks.html", form=form, secret=secret, endpoints=webhooks.endpoints(),
        deliveries=webhooks.recent_deliveries(), action=ActionForm(), zone=current_user.zone,
        event_labels=event_labels(),
        status_labels={"queued": _("Waiting (or being retried)"), "sent": _("Delivered"),
                       "skipped": _("Not sent: the receiver was removed"),
                       "failed": _("Failed after the last retry")},
    ), 422 if form.errors else 200


@bp.post("/webhooks/<int:endpoint_id>/test")
def send_test_event(endpoint_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        webhooks.send_test_event(endpoint_id, now=clock.utcnow())
    except NotFound:
        abort(404)
    flash("webhook_test_queued", "done")
    return redirect(url_for("admin.webhooks_page"), code=303)


@bp.post("/webhooks/<int:endpoint_id>/remove")
def remove_webhook(endpoint_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        webhooks.remove_endpoint(endpoint_id)
    except NotFound:
        abort(404)
    flash("webhook_removed", "done")
    return redirect(url_for("admin.webhooks_page"), code=303)
