"""Practice-wide matters: undeliverable mail, exceptions to the one-free-consultation
rule, the practice calendar feed, and which articles bring bookings."""

from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from booking import clock
from booking.errors import InvalidInput, NotFound
from booking.models import FeedScope
from booking.services import delivery, feeds, reports, waivers
from booking.settings import current_settings
from booking.web.admin import bp
from booking.web.admin.forms import WaiverForm
from booking.web.chart import bar_chart_svg
from booking.web.presenting import short_month_label
from booking.web.shared import ActionForm, message_labels, staff_notices


@bp.get("/messages")
def messages():
    return render_template("admin/messages.html", failed=delivery.failed_messages(),
                           form=ActionForm(), zone=current_user.zone,
                           **message_labels())


@bp.post("/messages/<int:message_id>/resend")
def resend(message_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    if delivery.requeue_failed(clock.utcnow(), [message_id]) == 0:
        abort(404)
    flash("resend_queued", "done")
    return redirect(url_for("admin.messages"), code=303)


@bp.post("/messages/resend-all")
def resend_all():
    if not ActionForm().validate_on_submit():
        abort(400)
    delivery.requeue_failed(clock.utcnow())
    flash("resend_queued", "done")
    return redirect(url_for("admin.messages"), code=303)


@bp.route("/exceptions", methods=["GET", "POST"])
def exceptions():
    form = WaiverForm()
    if form.validate_on_submit():
        try:
            waivers.grant(email=form.email.data, note=form.note.data or "",
                          granted_by_id=current_user.id, now=clock.utcnow())
        except InvalidInput:
            form.email.errors.append(_("This is not a valid email address."))
        else:
            flash("waiver_granted", "done")
            return redirect(url_for("admin.exceptions"), code=303)
    return render_template("admin/exceptions.html", form=form, waivers=waivers.all_waivers(),
                           action_form=ActionForm(), zone=current_user.zone,
                           ), 422 if form.errors else 200


@bp.post("/exceptions/<int:waiver_id>/revoke")
def revoke_exception(waiver_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        waivers.revoke(waiver_id)
    except NotFound:
        abort(404)
    flash("waiver_revoked", "done")
    return redirect(url_for("admin.exceptions"), code=303)


@bp.get("/practice-feed")
def practice_feed():
    token = feeds.current_token(therapist_id=None, scope=FeedScope.PRACTICE,
                                secret_key=current_settings().secret_key, now=clock.utcnow())
    https = current_settings().links.url("feeds.feed", token=token)
    return render_template("admin/feed.html", https=https,
                           webcal="webcal://" + https.split("://", 1)[1], form=ActionForm())


@bp.post("/practice-feed/rotate")
def rotate_practice_feed():
    if not ActionForm().validate_on_submit():
        abort(400)
    feeds.rotate(therapist_id=None, scope=FeedScope.PRACTICE,
                 secret_key=current_settings().secret_key, now=clock.utcnow())
    flash("feed_rotated", "done")
    return redirect(url_for("admin.practice_feed"), code=303)


PERIODS = (3, 6, 12, 24)  # months a report can cover


@bp.get("/reports")
def reports_page():
    months, rows = _report()
    chart = bar_chart_svg(rows, months, title=_("Bookings and confirmations per month"),
                          month_label=short_month_label, bookings_label=_("Bookings"),
                          confirmations_label=_("Confirmed"))
    newest_first = sorted(rows, key=lambda r: (-r.month.toordinal(), -r.bookings, r.source))
    return render_template("admin/reports.html", rows=rows, newest_first=newest_first,
                           chart=chart,
                           totals=_totals_by_source(rows), periods=PERIODS,
                           period=len(months))


@bp.get("/reports.csv")
def reports_csv():
    months, rows = _report()
    filename = f"bookings-by-source-{months[0]:%Y-%m}-{months[-1]:%Y-%m}.csv"
    # Opens in columns in the spreadsheet of the admin's language: German Excel splits
    # at semicolons; the byte-order mark tells Excel the file is UTF-8.
    delimiter = ";" if str(get_locale()) == "de" else ","
    header = (_("Month"), _("Source"), _("Bookings"), _("Confirmed"))
    return Response("\ufeff" + reports.as_csv(rows, delimiter, header), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _report() -> tuple[list[date], list[reports.SourceMonth]]:
    """The months asked for (?months=, one of PERIODS) up to this one, in the admin's
    zone, and the report over them."""
    asked = request.args.get("months", "12")
    count = int(asked) if asked in {str(p) for p in PERIODS} else 12
    zone = current_user.zone
    months = reports.last_months(clock.utcnow().astimezone(zone).date(), count)
    return months, reports.cta_report(months=months, zone=zone)


def _totals_by_source(rows: list[reports.SourceMonth]) -> list[tuple[str, int, int]]:
    """(source, bookings, confirmations) over the whole period, most bookings first."""
    order = reports.sources_by_total(rows)
    sums = {source: [0, 0] for source in order}
    for row in rows:
        sums[row.source][0] += row.bookings
        sums[row.source][1] += row.confirmations
    return [(source, booked, confirmed) for source, (booked, confirmed) in sums.items()]


@bp.context_processor
def notices() -> dict:
    """What the flashed keys mean, in the admin's language: the workspace's, and these."""
    return {"notices": {
        **staff_notices(),
        "invited": _("Invitation sent. The link in it works for 7 days."),
        "has_password": _("This team member has set a password already and signs in with "
                          "it (or resets it from the sign-in page)."),
        "profile_saved": _("Saved."),
        "deactivated": _("Deactivated. Visitors no longer see this therapist; the bookings "
                         "below stay until you hand them over or cancel them."),
        "reactivated": _("Active again. Visitors can book this therapist."),
        "not_yourself": _("You cannot deactivate your own account."),
        "cancelled": _("The booking is cancelled; the client and the therapist have been "
                       "told."),
        "not_free": _("The chosen colleague is not free at this time. Nothing was changed."),
        "reassigned": _("Handed over. The client and both therapists have been told, and "
                        "the calendars updated."),
        "reassigned_pending": _("Handed over. The client has not confirmed yet; the "
                                "confirmation will name the new therapist."),
        "resend_queued": _("Queued again. The messages go out within a minute."),
        "waiver_granted": _("Saved. This person can book one more free first consultation."),
        "waiver_revoked": _("Exception removed."),
        "erased": _("The client's personal data is deleted. The time and the source stay "
                    "for the calendar and the report."),
        "erase_unconfirmed": _("Nothing was deleted: please tick the box to confirm."),
        "erase_upcoming": _("This booking is still ahead: cancel it first, so the client is "
                            "told, then delete the data."),
        "webhook_added": _("Receiver added. Copy its signing secret now: it is not shown "
                           "again."),
        "webhook_test_queued": _("Test event queued. It goes out within a minute."),
        "webhook_removed": _("Receiver removed. Calls still queued for it are not made."),
    }}
