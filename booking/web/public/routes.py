"""Visitor pages: from an article's call to action to a requested booking."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from sqlalchemy import select

from booking import clock
from booking.errors import FirstSessionAlreadyBooked, SlotUnavailable
from booking.extensions import db, limiter
from booking.models import Booking, SessionType, Therapist
from booking.services import bookings, matching, schedule
from booking.services.bookings import Policy, Visitor
from booking.services.demo import FIRST_SESSION_SLUG
from booking.web.presenting import days_of_week, local_midnight, week_of, zone_choices
from booking.web.public import bp
from booking.web.public.context import VisitContext, parse_start
from booking.web.public.forms import BookingForm

ANY = "any"  # the slug that stands for "whoever is free first"
ALTERNATIVES = 3


@bp.get("/")
@bp.get("/erstgespraech")
@bp.get("/book")  # registered first, so links to the team page read /book
def team():
    visit = VisitContext.from_request(request)
    if slug := request.args.get("therapist"):
        return redirect(url_for("public.slots", slug=slug, **visit.query()))
    now = clock.utcnow()
    session_type = _first_session()
    members = matching.bookable_team(visit.speaks)
    next_free = {t.id: _next_free(t, session_type, now) for t in members}
    return render_template("public/team.html", visit=visit, team=members, next_free=next_free,
                           session_type=session_type, zones=zone_choices(now))


@bp.get("/book/<slug>")
def slots(slug: str):
    visit = VisitContext.from_request(request)
    now = clock.utcnow()
    therapist, members = _who(slug, visit)
    session_type = _first_session()
    monday = week_of(request.args.get("week"), visit.zone, now)
    start, end = local_midnight(monday, visit.zone), local_midnight(
        monday + timedelta(days=7), visit.zone)
    week = matching.team_slots(members, session_type, now=now, start=start, end=end)
    later = None if week else _first_after(members, session_type, now, end)
    return render_template(
        "public/slots.html", visit=visit, therapist=therapist, slug=slug,
        session_type=session_type, days=days_of_week(monday, week, visit.zone),
        monday=monday, previous=monday - timedelta(days=7), next=monday + timedelta(days=7),
        this_week=monday <= now.astimezone(visit.zone).date(), later=later,
        zones=zone_choices(now),
    )


@bp.route("/book/<slug>/details", methods=["GET", "POST"])
@limiter.limit("20 per hour;5 per minute", methods=["POST"])
def details(slug: str):
    visit = VisitContext.from_request(request)
    now = clock.utcnow()
    therapist, members = _who(slug, visit)
    session_type = _first_session()
    form = BookingForm()
    start = parse_start(form.start.data or request.args.get("start"))
    if start is None:
        return redirect(url_for("public.slots", slug=slug, **visit.query()))
    if request.method == "GET":
        form.start.data = start.isoformat()
        form.form_key.data = secrets.token_urlsafe(16)
    problem, alternatives = None, []
    if form.validate_on_submit():
        if form.website.data:  # a bot filled the hidden field: look done, do nothing
            return render_template("public/requested.html", visit=visit, booking=None)
        try:
            booking = _book(members, session_type, start, form, visit, now)
        except SlotUnavailable:
            problem = "taken"
            alternatives = _nearest(members, session_type, start, now)
        except FirstSessionAlreadyBooked:
            problem = "first_session_taken"
        else:
            return redirect(url_for("public.requested", public_id=booking.public_id,
                                    **visit.query()), code=303)
    return render_template(
        "public/details.html", form=form, visit=visit, therapist=therapist, slug=slug,
        session_type=session_type, start=start, problem=problem, alternatives=alternatives,
    ), 409 if problem else 200


@bp.get("/book/requested/<public_id>")
def requested(public_id: str):
    visit = VisitContext.from_request(request)
    booking = db.session.scalar(select(Booking).where(Booking.public_id == public_id))
    if booking is None:
        abort(404)
    return render_template("public/requested.html", visit=visit, booking=booking,
                           hold_minutes=current_app.config["BOOKING_HOLD_MINUTES"],
                           mail_folder=_dev_mail_folder())


@bp.get("/privacy")
@bp.get("/datenschutz")
def privacy():
    return render_template("public/privacy.html")


@bp.get("/healthz")
def health():
    """For load balancers and the operator at 3 a.m.: is the database reachable?"""
    db.session.execute(select(1))
    return {"status": "ok"}


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
        now=now, policy=Policy.from_config(current_app.config),
        idempotency_key=form.form_key.data or None,
    )


def _who(slug: str, visit: VisitContext) -> tuple[Therapist | None, list[Therapist]]:
    """The therapist of the page (None for 'first available') and whom its slots come from."""
    if slug == ANY:
        members = matching.bookable_team(visit.speaks)
        return None, members
    therapist = db.session.scalar(
        select(Therapist).where(Therapist.slug == slug, Therapist.active))
    if therapist is None:
        abort(404)
    return therapist, [therapist]


def _first_session() -> SessionType:
    session_type = db.session.scalar(
        select(SessionType).where(SessionType.slug == FIRST_SESSION_SLUG, SessionType.active))
    if session_type is None:
        abort(503)
    return session_type


def _next_free(therapist: Therapist, session_type: SessionType, now: datetime,
               after: datetime | None = None):
    """The therapist's first free slot (after `after`), or None within their horizon."""
    horizon = now + timedelta(days=therapist.rules.horizon_days if therapist.rules else 0)
    found = schedule.free_slots(therapist, session_type, now=now, start=after or now,
                                end=horizon, limit=1)
    return found[0] if found else None


def _first_after(members: list[Therapist], session_type: SessionType, now: datetime,
                 after: datetime):
    """The next free slot after an empty week, for the "jump to" link."""
    found = [_next_free(t, session_type, now, after) for t in members]
    found = [slot for slot in found if slot is not None]
    return min(found, key=lambda slot: slot.start) if found else None


def _nearest(members: list[Therapist], session_type: SessionType, start: datetime,
             now: datetime) -> list:
    """The free slots closest in time to the one that was just taken."""
    window = matching.team_slots(members, session_type, now=now, start=start - timedelta(days=7),
                                 end=start + timedelta(days=14))
    return sorted(window, key=lambda slot: abs(slot.start - start))[:ALTERNATIVES]


def _dev_mail_folder() -> str | None:
    """Where a newcomer finds the confirmation mail, when mail goes to files."""
    url = current_app.config["MAIL_URL"]
    return url.removeprefix("file://") if url.startswith("file://") else None
