"""The API's operations. Each parses (spec.operation), authorises, calls one service
and shapes its answer; the rules live in the services, as for the pages."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Response, render_template, request, url_for
from flask_babel import get_locale

from booking import clock
from booking.errors import (
    FirstSessionAlreadyBooked,
    InvalidTransition,
    NotFound,
    SlotUnavailable,
    TooLateToChange,
)
from booking.extensions import limiter
from booking.models import Booking, BookingStatus, SessionType, Therapist
from booking.services import bookings, matching
from booking.services.bookings import Visitor
from booking.settings import current_settings
from booking.tokens import manage_token
from booking.web import answer_cache, limits
from booking.web.api import PREFIX, bp
from booking.web.api.problems import ApiProblem, field_error, translated_kinds
from booking.web.api.schemas import (
    AvailabilityOut,
    AvailabilityQuery,
    BookingCreated,
    BookingOut,
    BookingRequest,
    CancelRequest,
    LanguageOut,
    Problem,
    RescheduleRequest,
    SlotOut,
    TeamAvailabilityQuery,
    TherapistList,
    TherapistOut,
    TherapistRef,
    TherapistsQuery,
)
from booking.web.api.spec import OPERATIONS, openapi_document, operation
from booking.web.look import current_practice

# A website may show "next free: Tuesday 10:00" on every article: a few seconds of
# caching (and a 304 for an unchanged answer) spares the slot engine without
# showing a taken slot for long; the booking itself always re-checks.
AVAILABILITY_MAX_AGE = 10
IDEMPOTENCY_KEY = "Idempotency-Key"
_KEY_CHARACTERS = frozenset(chr(c) for c in range(0x21, 0x7F))

BAD_QUERY = ("The query does not fit (errors per parameter)", Problem)
NOT_FOUND = ("No such therapist, or no booking for this id and token", Problem)
NO_TOKEN = ("No manage token was sent", Problem)
TOO_MANY = ("Too many requests; see Retry-After", Problem)
INVALID_BODY = ("The body does not fit (errors per field); nothing was changed", Problem)

# Wrong manage tokens from one network address, counted like the manage link's.
_token_guesses = limiter.shared_limit(limits.TOKEN_GUESSES, scope="api-manage-token",
                                      deduct_when=limits.not_found)


def _api_booking_email_key() -> str:
    """The person a JSON booking is for, as a keyed hash (shared with the form's)."""
    data = request.get_json(silent=True)
    email = data.get("email") if isinstance(data, dict) else None
    return limits.email_key(email if isinstance(email, str) else "")


def _without_email() -> bool:
    data = request.get_json(silent=True)
    return not (isinstance(data, dict) and isinstance(data.get("email"), str)
                and data["email"].strip())


@operation(bp, "GET", "/therapists", summary="The team", query=TherapistsQuery,
           description="Active therapists who take bookings, with their next free start.",
           responses={200: ("The therapists", TherapistList), 400: BAD_QUERY})
def therapists(query: TherapistsQuery) -> Response:
    now = clock.utcnow()
    zone = ZoneInfo(query.tz)
    session_type = _first_session_type()
    locale = str(get_locale())
    found = []
    team = matching.bookable_team(query.language)
    next_free = matching.next_free(team, session_type, now=now,
                                   holiday_state=current_settings().policy.holiday_state)
    for therapist in team:
        slot = next_free[therapist.id]
        found.append(TherapistOut(
            slug=therapist.slug, name=therapist.display_name, title=therapist.title_in(locale),
            languages=[LanguageOut(code=code, name=Locale(code).get_display_name(locale) or code)
                       for code in therapist.languages if code in ("de", "en")],
            timezone=therapist.timezone,
            next_free_start=slot.start.astimezone(zone) if slot else None))
    return _json(TherapistList(therapists=found))


@operation(bp, "GET", "/therapists/<slug>/availability", summary="A therapist's free slots",
           query=AvailabilityQuery,
           description="Free slots as instants with the offset of `tz`. Cached for a few "
                       "seconds; send the ETag back as If-None-Match for a 304.",
           responses={200: ("The free slots", AvailabilityOut), 304: ("Unchanged", None),
                      400: BAD_QUERY, 404: NOT_FOUND},
           headers={"If-None-Match": "The ETag of an earlier answer."})
def availability(slug: str, query: AvailabilityQuery) -> Response:
    def therapist() -> list[Therapist]:
        found = matching.bookable_therapist(slug)
        if found is None:
            raise ApiProblem(404, "not-found")
        return [found]

    return _slots_answer(query, therapist, slug)


@operation(bp, "GET", "/availability", summary="The whole team's free slots",
           query=TeamAvailabilityQuery,
           description="Every start at which someone is free (optionally someone who "
                       "speaks `language`): what 'first available' books.",
           responses={200: ("The free slots", AvailabilityOut), 304: ("Unchanged", None),
                      400: BAD_QUERY},
           headers={"If-None-Match": "The ETag of an earlier answer."})
def team_availability(query: TeamAvailabilityQuery) -> Response:
    return _slots_answer(query, lambda: matching.bookable_team(query.language), None)


def _slots_answer(query: AvailabilityQuery, team: Callable[[], list[Therapist]],
                  slug: str | None) -> Response:
    # Kept per worker while the schedule version holds; the team is read inside, after
    # the version, so that what is kept is never older than its key.
    answer = answer_cache.cached(lambda now: _slots(query, team(), slug, now))
    answer.make_conditional(request)
    return answer


def _slots(query: AvailabilityQuery, team: list[Therapist], slug: str | None,
           now: datetime) -> tuple[Response, datetime | None]:
    session_type = _session_type(query.session_type, status=400)
    start, end = query.instants()
    zone = ZoneInfo(query.tz)
    slots = matching.team_slots(team, session_type, now=now, start=start, end=end,
                                holiday_state=current_settings().policy.holiday_state)
    answer = _json(AvailabilityOut(
        therapist=slug, session_type=session_type.slug, timezone=query.tz,
        start=start.astimezone(zone), end=end.astimezone(zone),
        slots=[SlotOut(start=s.start.astimezone(zone), end=s.end.astimezone(zone))
               for s in slots]))
    answer.set_etag(hashlib.sha256(answer.get_data()).hexdigest()[:32])
    answer.cache_control.public = True
    answer.cache_control.max_age = AVAILABILITY_MAX_AGE
    return answer, answer_cache.offered_until(slots, team, session_type)


@operation(bp, "POST", "/bookings", summary="Book a slot", body=BookingRequest,
           description="A pending booking that holds its slot until the visitor confirms "
                       "it from the mail we send (the same double opt-in as the form). "
                       "With an Idempotency-Key, a retry with the same body gets the first "
                       "answer, one with another body a 422. If this person already has a "
                       "free first consultation, the answer looks the same (nobody may "
                       "learn from it whether an address has a booking), the explanation "
                       "goes to their mailbox, and the id leads nowhere.",
           responses={201: ("Booked, pending confirmation", BookingCreated),
                      400: ("Malformed JSON or Idempotency-Key", Problem),
                      409: ("The slot is taken; with the nearest alternatives", Problem),
                      415: ("The body is not JSON", Problem), 422: INVALID_BODY,
                      429: TOO_MANY},
           headers={IDEMPOTENCY_KEY: "Makes retries safe: any unique value per booking "
                                     "attempt, e.g. a UUID."})
@limiter.limit("20 per hour;5 per minute")
@limiter.limit(limits.BOOKINGS_PER_EMAIL, key_func=_api_booking_email_key,
               exempt_when=_without_email)
def create_booking(body: BookingRequest) -> Response:
    key = _idempotency_key()
    fingerprint = limits.keyed_hash(body.model_dump_json()) if key else None
    now = clock.utcnow()
    members = _team_for(body)
    session_type = _session_type(body.session_type, status=422)
    visitor = Visitor(
        name=" ".join(body.name.split()), email=body.email, phone=body.phone,
        partner_name=body.partner_name, partner_email=body.partner_email,
        message=body.message, locale=body.locale or str(get_locale()),
        timezone=body.timezone, cta_source=body.source, reminder_requested=body.reminder)
    try:
        booking = bookings.book_first_available(
            team=members, session_type_id=session_type.id, start=body.start, visitor=visitor,
            now=now, policy=current_settings().policy, idempotency_key=key,
            request_fingerprint=fingerprint)
    except SlotUnavailable:
        raise _taken(members, session_type, body.start, now, ZoneInfo(body.timezone)) from None
    except FirstSessionAlreadyBooked:
        return _decoy(body, members[0], session_type, now)
    if key and booking.request_fingerprint != fingerprint:
        raise ApiProblem(422, "idempotency-key-reused")
    token = manage_token(current_settings().policy.link_secret, booking.public_id)
    answer = _json(BookingCreated(**_booking_fields(booking, now), manage_token=token),
                   status=201)
    answer.headers["Location"] = url_for("api.get_booking", public_id=booking.public_id)
    return answer


@operation(bp, "GET", "/bookings/<public_id>", summary="A booking", bearer=True,
           responses={200: ("The booking", BookingOut), 401: NO_TOKEN, 404: NOT_FOUND,
                      429: TOO_MANY})
@_token_guesses
def get_booking(public_id: str) -> Response:
    booking = _authorised(public_id)
    return _json(BookingOut(**_booking_fields(booking, clock.utcnow())))


@operation(bp, "POST", "/bookings/<public_id>/cancel", summary="Cancel a booking",
           bearer=True, body=CancelRequest,
           description="Everyone involved is told, as from the manage link. Cancelling "
                       "twice is harmless.",
           responses={200: ("Cancelled", BookingOut), 401: NO_TOKEN, 404: NOT_FOUND,
                      409: ("Too late, or the booking has ended", Problem),
                      415: ("The body is not JSON", Problem), 422: INVALID_BODY,
                      429: TOO_MANY})
@_token_guesses
def cancel_booking(public_id: str, body: CancelRequest) -> Response:
    _authorised(public_id)
    now = clock.utcnow()
    try:
        booking = bookings.cancel_by_visitor(_token(), reason=body.reason, now=now,
                                             policy=current_settings().policy)
    except TooLateToChange:
        raise ApiProblem(409, "too-late") from None
    except InvalidTransition:
        raise ApiProblem(409, "not-changeable") from None
    return _json(BookingOut(**_booking_fields(booking, now)))


@operation(bp, "POST", "/bookings/<public_id>/reschedule", summary="Move a booking",
           bearer=True, body=RescheduleRequest,
           description="To another free slot of the same therapist; a confirmed booking's "
                       "invitations are updated.",
           responses={200: ("Moved", BookingOut), 401: NO_TOKEN, 404: NOT_FOUND,
                      409: ("Taken (with alternatives), too late, or ended", Problem),
                      415: ("The body is not JSON", Problem), 422: INVALID_BODY,
                      429: TOO_MANY})
@_token_guesses
def reschedule_booking(public_id: str, body: RescheduleRequest) -> Response:
    booking = _authorised(public_id)
    now = clock.utcnow()
    try:
        booking = bookings.reschedule_by_visitor(_token(), start=body.start, now=now,
                                                 policy=current_settings().policy)
    except SlotUnavailable:
        raise _taken([booking.therapist], booking.session_type, body.start, now,
                     ZoneInfo(booking.visitor_timezone)) from None
    except TooLateToChange:
        raise ApiProblem(409, "too-late") from None
    except InvalidTransition:
        raise ApiProblem(409, "not-changeable") from None
    return _json(BookingOut(**_booking_fields(booking, now)))


@bp.get("/openapi.json")
def openapi() -> Response:
    return Response(json.dumps(document(), ensure_ascii=False),
                    content_type="application/json")


@bp.get("/docs")
def docs() -> str:
    return render_template("api/docs.html", document=document(), operations=OPERATIONS,
                           problems=translated_kinds(), prefix=PREFIX)


def document() -> dict:
    return openapi_document(prefix=PREFIX, title=f"{current_practice().name} API",
                            version="1.0.0")


def _json(model: TherapistList | AvailabilityOut | BookingOut, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status=status, content_type="application/json")


def _idempotency_key() -> str | None:
    """The request's Idempotency-Key as stored: namespaced and hashed, so that it fits
    the column whatever its length and never meets a key of the booking form."""
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        return None
    if not 1 <= len(key) <= 255 or not set(key) <= _KEY_CHARACTERS:
        raise ApiProblem(400, "invalid-idempotency-key")
    return "api:" + hashlib.sha256(key.encode()).hexdigest()[:56]


def _token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiProblem(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


def _authorised(public_id: str) -> Booking:
    """The booking with this id, if the request carries its manage token; else 404
    (whether the id exists is nobody's business without the token)."""
    try:
        booking = bookings.find_by_token(_token())
    except NotFound:
        raise ApiProblem(404, "not-found") from None
    if not secrets.compare_digest(booking.public_id, public_id):
        raise ApiProblem(404, "not-found")
    return booking


def _booking_fields(booking: Booking, now: datetime) -> dict:
    zone = ZoneInfo(booking.visitor_timezone)
    pending = booking.status is BookingStatus.PENDING
    return {
        "id": booking.public_id, "status": booking.status.value,
        "start": booking.start_utc.astimezone(zone), "end": booking.end_utc.astimezone(zone),
        "timezone": booking.visitor_timezone,
        "therapist": {"slug": booking.therapist.slug, "name": booking.therapist.display_name},
        "session_type": booking.session_type.slug,
        "hold_until": booking.hold_until.astimezone(zone) if pending and booking.hold_until
        else None,
        "can_change": booking.can_visitor_change(now, current_settings().policy.change_cutoff),
    }


def _decoy(body: BookingRequest, therapist: Therapist, session_type: SessionType,
           now: datetime) -> Response:
    """The answer for a person who has a free first consultation already: shaped like
    a booking, so that it does not tell whether the address has one."""
    zone = ZoneInfo(body.timezone)
    policy = current_settings().policy
    public_id = secrets.token_urlsafe(12)
    answer = _json(BookingCreated(
        id=public_id, status="pending", start=body.start.astimezone(zone),
        end=(body.start + session_type.duration).astimezone(zone), timezone=body.timezone,
        therapist=TherapistRef(slug=therapist.slug, name=therapist.display_name),
        session_type=session_type.slug, hold_until=(now + policy.hold).astimezone(zone),
        can_change=not policy.changes_closed(body.start, now),
        manage_token=manage_token(policy.link_secret, public_id)), status=201)
    answer.headers["Location"] = url_for("api.get_booking", public_id=public_id)
    return answer


def _taken(team: list[Therapist], session_type: SessionType, start: datetime, now: datetime,
           zone: ZoneInfo) -> ApiProblem:
    nearby = matching.nearest(team, session_type, start, now=now,
                              holiday_state=current_settings().policy.holiday_state)
    return ApiProblem(409, "slot-taken", alternatives=[
        {"start": s.start.astimezone(zone).isoformat(), "end": s.end.astimezone(zone).isoformat()}
        for s in nearby])


def _team_for(body: BookingRequest) -> list[Therapist]:
    if body.therapist is None:
        return matching.bookable_team(body.language)
    therapist = matching.bookable_therapist(body.therapist)
    if therapist is None:
        raise ApiProblem(422, "validation", errors=[field_error("therapist",
                                                                "unknown_therapist")])
    return [therapist]


def _session_type(slug: str, *, status: int) -> SessionType:
    session_type = matching.bookable_session_type(slug)
    if session_type is None:
        raise ApiProblem(status, "invalid-query" if status == 400 else "validation",
                         errors=[field_error("session_type", "unknown_session_type")])
    return session_type


def _first_session_type() -> SessionType:
    session_type = matching.first_session_type()
    if session_type is None:
        raise ApiProblem(503, "unavailable")
    return session_type

