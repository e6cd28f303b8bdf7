"""Visitor pages: from an article's call to action to a requested booking."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from booking import clock
from booking.config import is_loopback
from booking.errors import FirstSessionAlreadyBooked, SlotUnavailable
from booking.extensions import limiter
from booking.models import Booking, SessionType, Therapist
from booking.services import bookings, matching
from booking.services.bookings import Visitor
from booking.settings import current_settings
from booking.web import answer_cache, limits
from booking.web.presenting import days_of_week, local_midnight, week_of, zone_choices
from booking.web.public import bp
from booking.web.public.context import VisitContext, parse_start
from booking.web.public.forms import BookingForm

ANY = "any"  # the slug that stands for "whoever is free first"


@bp.get("/")
@bp.get("/erstgespraech")
@bp.get("/book")  # registered first, so links to the team page read /book
def team():
    visit = VisitContext.from_request(request)
    if slug := request.args.get("therapist"):
        return redirect(url_for("public.slots", slug=slug, **visit.query()))
    return answer_cache.cached(lambda now: _team_page(visit, now))


def _team_page(visit: VisitContext, now: datetime) -> tuple[str, datetime | None]:
    session_type = _first_session_or_503()
    members = matching.bookable_team(visit.speaks)
    next_free = matching.next_free(members, session_type, now=now)
    page = render_template("public/team.html", visit=visit, team=members, next_free=next_free,
                           session_type=session_type,
                           zones=zone_choices(now, visit.zone, complete=_all_zones()))
    return page, answer_cache.offered_until(next_free.values(), members, session_type)


@bp.get("/book/<slug>")
def slots(slug: str):
    visit = VisitContext.from_request(request)
    return answer_cache.cached(lambda now: _week_page(slug, visit, now))


def _week_page(slug: str, visit: VisitContext, now: datetime) -> tuple[str, datetime | None]:
    therapist, members = _who(slug, visit)
    session_type = _first_session_or_503()
    monday = week_of(request.args.get("week"), visit.zone, now)
    start, end = local_midnight(monday, visit.zone), local_midnight(
        monday + timedelta(days=7), visit.zone)
    week = matching.team_slots(members, session_type, now=now, start=start, end=end)
    later = None if week else matching.first_free(members, session_type, now=now, after=end)
    page = render_template(
        "public/slots.html", visit=visit, therapist=therapist, slug=slug,
        session_type=session_type, days=days_of_week(monday, week, visit.zone),
        monday=monday, previous=monday - timedelta(days=7), next=monday + timedelta(days=7),
        this_week=monday <= now.astimezone(visit.zone).date(), later=later,
        zones=zone_choices(now, visit.zone, complete=_all_zones()),
    )
    return page, answer_cache.offered_until([*week, later], members, session_type)


@bp.route("/book/<slug>/details", methods=["GET", "POST"])
@limiter.limit("20 per hour;5 per minute", methods=["POST"])
@limiter.limit(limits.BOOKINGS_PER_EMAIL, methods=["POST"], key_func=limits.booking_email_key,
               exempt_when=limits.without_email)
def details(slug: str):
    visit = VisitContext.from_request(request)
    now = clock.utcnow()
    therapist, members = _who(slug, visit)
    session_type = _first_session_or_503()
    form = BookingForm()
    start = parse_start(form.start.data or request.args.get("start"))
    if start is None:
        return redirect(url_for("public.slots", slug=slug, **visit.query()))
    if request.method == "GET":
        form.start.data = start.isoformat()
        form.form_key.data = secrets.token_urlsafe(16)
    problem, alternatives = None, []
    if form.validate_on_submit():
        # The answer is the same whether a booking was made, the person already has
        # one (the explanation goes to their mailbox), or a bot filled the hidden
        # field: the page must not tell whether an address has a booking here.
        done = redirect(url_for("public.requested", start=start.isoformat(),
                                **visit.query()), code=303)
        if form.website.data:
            return done
        try:
            _book(members, session_type, start, form, visit, now)
        except SlotUnavailable:
            problem = "taken"
            alternatives = matching.nearest(members, session_type, start, now=now)
        except FirstSessionAlreadyBooked:
            return done
        else:
            return done
    elif form.csrf_token.errors:
        # A forged, foreign or stale form token: nothing is booked, the details stay in
        # the form (with a fresh token), and the page says why.
        problem = "unverified"
    return render_template(
        "public/details.html", form=form, visit=visit, therapist=therapist, slug=slug,
        session_type=session_type, start=start, problem=problem, alternatives=alternatives,
        changes_closed=current_settings().policy.changes_closed(start, now),
    ), {"taken": 409, "unverified": 400}.get(problem or "", 200)


@bp.get("/book/requested")
def requested():
    visit = VisitContext.from_request(request)
    return render_template("public/requested.html", visit=visit,
                           start=parse_start(request.args.get("start")),
                           hold_minutes=current_app.config["BOOKING_HOLD_MINUTES"],
                           mail_folder=_dev_mail_folder())


@bp.get("/privacy")
@bp.get("/datenschutz")
def privacy():
    return render_template("public/privacy.html")


def _book(members: list[Therapist], session_type: SessionType, start: datetime,
          form: BookingForm, visit: VisitContext, now: datetime) -> Booking:
    couple = form.mode.data == "couple"
    visitor = Visitor(
        name=" ".join(form.name.data.split()), email=form.email.data,
        phone=form.phone.data or "", partner_name=(form.partner_name.data or "") if couple else "",
        partner_email=(form.partner_email.data or "") if couple else "",
        message=(form.message.data or "").strip(), locale=str(get_locale()),
        timezone=visit.zone.key, cta_source=visit.source, reminder_requested=form.reminder.data,
    )
    return bookings.book_first_available(
        team=members, session_type_id=session_type.id, start=start, visitor=visitor,
        now=now, policy=current_settings().policy,
        idempotency_key=form.form_key.data or None,
    )


def _first_session_or_503() -> SessionType:
    session_type = matching.first_session_type()
    if session_type is None:
        abort(503)
    return session_type


def _who(slug: str, visit: VisitContext) -> tuple[Therapist | None, list[Therapist]]:
    """The therapist of the page (None for 'first available') and whom its slots come from."""
    if slug == ANY:
        members = matching.bookable_team(visit.speaks)
        return None, members
    therapist = matching.bookable_therapist(slug)
    if therapist is None:
        abort(404)
    return therapist, [therapist]


def _all_zones() -> bool:
    """The picker lists the common zones; every zone when the visitor asks for them
    (a page with all 400 weighs three times as much)."""
    return request.args.get("zones") == "all"


def _dev_mail_folder() -> str | None:
    """Where a newcomer finds the confirmation mail, when mail goes to files."""
    url = current_app.config["MAIL_URL"]
    if not url.startswith("file://") or not is_loopback(current_app.config["BASE_URL"]):
        return None  # a server's folders are nothing a visitor should read about
    return url.removeprefix("file://")
