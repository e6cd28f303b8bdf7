"""Visitor pages: from an article's call to action to a requested booking."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta
from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_limiter import RequestLimit
from werkzeug.exceptions import HTTPException

from booking import clock, validation
from booking.config import is_loopback
from booking.errors import FirstSessionAlreadyBooked, SlotUnavailable
from booking.extensions import limiter
from booking.models import Booking, SessionType, Therapist
from booking.services import bookings, closing, matching
from booking.services.bookings import Visitor
from booking.settings import current_settings
from booking.web import answer_cache, limits
from booking.web.presenting import days_of_week, locale_name, shown_week
from booking.web.public import bp
from booking.web.public.context import VisitContext, parse_start
from booking.web.public.forms import BookingForm
from booking.web.public.unoffered import NotOffered, why_not_offered
from booking.web.zones import ZonePicker, zone_picker

ANY = "any"  # the slug that stands for "whoever is free first"
LOST = ("taken", "closed", "past")  # the problems for which the nearest free times are shown


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
    next_free = matching.next_free(members, session_type, now=now, holiday_state=_holidays())
    page = render_template("public/team.html", visit=visit, team=members, next_free=next_free,
                           session_type=session_type, zones=_zones(now, visit.zone))
    return page, answer_cache.offered_until(next_free.values(), members, session_type)


@bp.get("/book/<slug>")
def slots(slug: str):
    visit = VisitContext.from_request(request)
    return answer_cache.cached(lambda now: _week_page(slug, visit, now))


def _week_page(slug: str, visit: VisitContext, now: datetime) -> tuple[str, datetime | None]:
    therapist, members = _who(slug, visit)
    session_type = _first_session_or_503()
    shown = shown_week(
        request.args.get("week"), visit.zone, now,
        free_between=lambda start, end: matching.team_slots(
            members, session_type, now=now, start=start, end=end, holiday_state=_holidays()),
        first_free_from=lambda after: matching.first_free(
            members, session_type, now=now, after=after, holiday_state=_holidays()))
    monday = shown.monday
    page = render_template(
        "public/slots.html", visit=visit, therapist=therapist, slug=slug,
        session_type=session_type,
        days=days_of_week(monday, shown.slots, visit.zone, closed=closing.closed_days(
            monday, monday + timedelta(days=6), holiday_state=_holidays(),
            locale=str(get_locale()))),
        monday=monday, previous=monday - timedelta(days=7), next=monday + timedelta(days=7),
        this_week=monday <= now.astimezone(visit.zone).date(), later=shown.later,
        skipped=shown.skipped, zones=_zones(now, visit.zone),
    )
    return page, answer_cache.offered_until([*shown.slots, shown.later], members, session_type)


@bp.route("/book/<slug>/details", methods=["GET", "POST"])
# Only accepted forms count (a booking, or a time lost to someone else): a visitor who
# mistypes must not lock themselves out. The generous first limit counts every post,
# so a bot cannot hammer the form's validation either.
@limiter.limit("60 per minute", methods=["POST"], on_breach=lambda limit: _limited(limit))
@limiter.limit("20 per hour;5 per minute", methods=["POST"], deduct_when=limits.accepted,
               on_breach=lambda limit: _limited(limit))
@limiter.limit(limits.BOOKINGS_PER_EMAIL, methods=["POST"], key_func=limits.booking_email_key,
               exempt_when=limits.without_email, deduct_when=limits.accepted,
               on_breach=lambda limit: _limited(limit))
def details(slug: str):
    visit = VisitContext.from_request(request)
    now = clock.utcnow()
    therapist, members = _who(slug, visit)
    session_type = _first_session_or_503()
    form = BookingForm()
    # A post carries its start in the form only: the address still names the time first
    # chosen, which may be the one just lost.
    start = parse_start(form.start.data if request.method == "POST"
                        else request.args.get("start"))
    lost = parse_start(form.lost.data) if request.method == "POST" else None
    if start is None and lost is None:
        return redirect(url_for("public.slots", slug=slug, **visit.query()))
    if request.method == "GET":
        form.start.data = start.isoformat() if start else ""
        form.form_key.data = secrets.token_urlsafe(16)
    page = DetailsPage(visit, therapist, slug, session_type, members, form, now)
    if start is None:
        # The visitor pressed "book" again after a lost time without choosing one of
        # the free times: the message and the times stay; the lost time is never sent.
        assert lost is not None
        form.validate()
        return page.lost(lost, 200)
    if request.method == "GET" and (why := page.why_not(start)):
        # A link to a closed day, a past time or a taken one: say why at once, with the
        # nearest free times, rather than a form that can only fail.
        return page.render(start, why.reason, 200, closed_because=why.closed_because)
    if corrected := request.form.get("use_email"):  # the offered correction, taken
        form.email.data = form.email_checked.data = corrected
    if form.validate_on_submit():
        if suggestion := _suggestion(form):
            return page.render(start, None, 200, suggestion=suggestion)
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
            return page.lost(start, 409)
        except FirstSessionAlreadyBooked:
            return done
        else:
            return done
    if form.csrf_token.errors:
        # A forged, foreign or stale form token: nothing is booked, the details stay in
        # the form (with a fresh token), and the page says why.
        return page.render(start, "unverified", 400)
    return page.render(start, None, 200, suggestion=_suggestion(form))


@dataclass
class DetailsPage:
    """The form page with what it needs to show again after any answer."""

    visit: VisitContext
    therapist: Therapist | None
    slug: str
    session_type: SessionType
    members: list[Therapist]
    form: BookingForm
    now: datetime

    def why_not(self, start: datetime) -> NotOffered | None:
        """Why `start` is not offered (None: it is)."""
        return why_not_offered(start, self.members, self.session_type, now=self.now,
                               holiday_state=_holidays(), locale=str(get_locale()))

    def lost(self, start: datetime, status: int):
        """The page for a time that cannot be booked, saying why (taken when it is
        offered again by now: someone else's hold may just have ended)."""
        why = self.why_not(start) or NotOffered("taken")
        return self.render(start, why.reason, status, closed_because=why.closed_because)

    def render(self, start: datetime, problem: str | None, status: int, *,
               suggestion: str | None = None, retry: timedelta | None = None,
               closed_because: str = ""):
        """The page for `start`; after a lost time (LOST: taken, closed, past) with the
        nearest free ones, the lost time kept only to find them again."""
        alternatives = []
        if problem in LOST:
            alternatives = matching.nearest(self.members, self.session_type, start,
                                            now=self.now, holiday_state=_holidays())
            self.form.lost.data = start.isoformat()
        return render_template(
            "public/details.html", form=self.form, visit=self.visit,
            therapist=self.therapist, slug=self.slug, session_type=self.session_type,
            start=start, problem=problem, alternatives=alternatives, suggestion=suggestion,
            time_lost=problem in LOST, closed_because=closed_because,
            retry=retry and format_timedelta(retry, add_direction=True,
                                             locale=str(get_locale())),
            changes_closed=current_settings().policy.changes_closed(start, self.now),
        ), status


def _suggestion(form: BookingForm) -> str | None:
    """A likely correction of the address's domain, offered once: the same address
    sent again (or the correction taken) is booked as it stands."""
    address = (form.email.data or "").strip()
    if request.method != "POST" or address == (form.email_checked.data or ""):
        return None
    form.email_checked.data = address
    return validation.email_suggestion(address)


def _limited(limit: RequestLimit) -> Response | None:
    """A form sent once too often: the page again with everything typed in it, and
    when to try again, instead of a bare error page (None: the plain error page, for
    a form that names no time or no one bookable)."""
    visit = VisitContext.from_request(request)
    slug = (request.view_args or {}).get("slug", ANY)
    form = BookingForm()
    start = parse_start(form.start.data) or parse_start(form.lost.data)
    wait = limits.seconds_left(limit)
    try:
        therapist, members = _who(slug, visit)
        session_type = _first_session_or_503()
    except HTTPException:
        # Flask-Limiter would take an exception here for a broken storage.
        return None
    if start is None:
        return None
    page = DetailsPage(visit, therapist, slug, session_type, members, form, clock.utcnow())
    body, status = page.render(start, "limited", 429, retry=timedelta(seconds=wait))
    return Response(body, status, headers={"Retry-After": str(wait)})


@bp.get("/book/requested")
def requested():
    visit = VisitContext.from_request(request)
    return render_template("public/requested.html", visit=visit,
                           start=parse_start(request.args.get("start")),
                           hold_minutes=current_app.config["BOOKING_HOLD_MINUTES"],
                           mail_folder=_dev_mail_folder())


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


def _holidays() -> str:
    return current_settings().policy.holiday_state


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


def _zones(now: datetime, zone: ZoneInfo) -> ZonePicker:
    """The zone picker: the common zones, every zone when the visitor asks for them
    (a page with all 400 weighs three times as much), and what they searched for."""
    return zone_picker(now, zone, locale_name(), complete=request.args.get("zones") == "all",
                       query=request.args.get("zq", ""))


def _dev_mail_folder() -> str | None:
    """Where a newcomer finds the confirmation mail, when mail goes to files."""
    url = current_app.config["MAIL_URL"]
    if not url.startswith("file://") or not is_loopback(current_app.config["BASE_URL"]):
        return None  # a server's folders are nothing a visitor should read about
    return url.removeprefix("file://")
