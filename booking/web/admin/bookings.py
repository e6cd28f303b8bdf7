"""The practice's list of bookings: upcoming or past, searched, or narrowed by
therapist, status, source and dates, and the narrowed list as CSV."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from booking import clock
from booking.models import BookingStatus
from booking.services import agenda, reports, team
from booking.web.admin import bp
from booking.web.admin.forms import BookingFilterForm
from booking.web.presenting import by_local_day, local_midnight, source_label
from booking.web.shared import posted_search, status_labels

NO_SOURCE = "-"  # the filter's value for bookings that came without a source


@bp.route("/bookings", methods=["GET", "POST"])
def booking_list():
    """The practice's bookings. The filters (therapist, status, source, dates: nothing
    personal) stay in the address; a search by name or email is posted to that address
    and its results are shown at once, so the term never lands in a URL."""
    now = clock.utcnow()
    past = request.args.get("past") == "1"
    search = posted_search()
    zone = current_user.zone
    form, narrowed = _filters(zone)
    found = agenda.bookings_of(None, now=now, past=past, search=search, narrowed=narrowed)
    return render_template("admin/bookings.html", days=by_local_day(found, zone), past=past,
                           search=search, zone=zone, filters=form, narrowed=narrowed.narrows,
                           shown=len(found), most=agenda.PAGE,
                           list_query=_address_query())


@bp.route("/bookings.csv", methods=["GET", "POST"])
def bookings_csv():
    """The listed bookings as CSV; a searched list is exported by posting its term (from
    the list's export button), a filtered one by its address."""
    zone = current_user.zone
    narrowed = _filters(zone)[1]
    found = agenda.bookings_of(None, now=clock.utcnow(), past=request.args.get("past") == "1",
                               search=posted_search(), narrowed=narrowed, limit=None)
    # The report's conventions: German Excel splits at semicolons, the byte-order mark
    # tells Excel the file is UTF-8, the header is in the admin's language.
    delimiter = ";" if str(get_locale()) == "de" else ","
    header = (_("Date"), _("Time"), _("Minutes"), _("Therapist"), _("Client"),
              _("Email address"), _("Phone"), _("Partner"), _("Status"), _("Source"),
              _("Booked at"))
    text = reports.bookings_as_csv(found, zone=zone, delimiter=delimiter, header=header,
                                   status_labels=status_labels())
    filename = f"bookings-{clock.utcnow().astimezone(zone):%Y-%m-%d}.csv"
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _address_query() -> dict[str, str]:
    """The list's own query (past and the filters), for the links and forms that keep
    it; an old `q` in the address is dropped, never carried on."""
    return {key: value for key, value in request.args.items() if key != "q"}


def _filters(zone: ZoneInfo) -> tuple[BookingFilterForm, agenda.BookingFilter]:
    """The filter form as asked (?therapist=&status=&source=&start_from=&start_to=) and
    what it narrows to; a value that does not fit is named at its field and ignored."""
    form = BookingFilterForm(request.args)
    form.therapist.choices = [("", _("any")), *((str(t.id), t.display_name)
                                                 for t in team.members())]
    form.status.choices = [("", _("any")), *((s.value, label)
                                             for s, label in status_labels().items())]
    form.source.choices = [("", _("any")), (NO_SOURCE, source_label("")),
                           *((s, s) for s in agenda.sources() if s)]
    form.validate()
    valid = {name: not field.errors for name, field in form._fields.items()}
    # A range that does not fit (or ends before it starts) is ignored as a whole.
    dates = valid["start_from"] and valid["start_to"]
    day_from = form.start_from.data if dates else None
    day_to = form.start_to.data if dates else None
    source = form.source.data if valid["source"] and form.source.data else None
    return form, agenda.BookingFilter(
        therapist_id=int(form.therapist.data) if valid["therapist"] and form.therapist.data
        else None,
        status=BookingStatus(form.status.data) if valid["status"] and form.status.data
        else None,
        source="" if source == NO_SOURCE else source,
        start_from=local_midnight(day_from, zone) if day_from else None,
        start_before=local_midnight(day_to + timedelta(days=1), zone) if day_to else None,
    )
