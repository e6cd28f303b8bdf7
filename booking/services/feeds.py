"""Subscription feeds: the bookings of one therapist (or of the practice) as an
iCalendar feed that calendar programs poll.

A feed's validator (ETag and Last-Modified) comes from one aggregate query over
the bookings it shows, so a client's "anything new?" is answered with 304
without building the feed. Content is private by default: the session type and
the visitor's initials, no contact details or message.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import ColumnElement, and_, func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload

from booking import calendar
from booking.calendar import CalendarEvent
from booking.errors import NotFound
from booking.extensions import db
from booking.meeting_links import meeting_link
from booking.models import (
    Booking,
    BookingStatus,
    CalendarFeed,
    FeedScope,
    SessionType,
    Therapist,
)
from booking.models.booking import ical_status_of
from booking.services.invites import initials
from booking.services.schedule import occupying_at
from booking.tokens import feed_token, token_hash
from booking.transactions import unit_of_work

PAST = timedelta(days=30)  # how far back confirmed and cancelled bookings stay in a feed
MAX_HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class Validator:
    etag: str
    last_modified: datetime


def rotate(*, therapist_id: int | None, scope: FeedScope, secret_key: str,
           now: datetime) -> str:
    """Make a new address for a therapist's (or the practice's) feed and return its
    token; the previous address stops working."""
    with unit_of_work():
        return _new_address(therapist_id, scope, secret_key, now)[1]


def current_token(*, therapist_id: int | None, scope: FeedScope, secret_key: str,
                  now: datetime) -> str:
    """The token of the feed's current address, made on first use."""
    feed = db.session.scalar(select(CalendarFeed).where(*_owner(scope, therapist_id)))
    if feed is None:
        return rotate(therapist_id=therapist_id, scope=scope, secret_key=secret_key, now=now)
    return feed_token(secret_key, feed.id, feed.nonce)


def _new_address(therapist_id: int | None, scope: FeedScope, secret_key: str,
                 now: datetime) -> tuple[CalendarFeed, str]:
    """Replace the feed's row (and so its address) with a new one: the new feed and
    its token (flush only)."""
    db.session.execute(db.delete(CalendarFeed).where(*_owner(scope, therapist_id)))
    feed = CalendarFeed(scope=scope, therapist_id=therapist_id, nonce=secrets.token_hex(16),
                        token_hash="", created_at=now)
    db.session.add(feed)
    db.session.flush()
    token = feed_token(secret_key, feed.id, feed.nonce)
    feed.token_hash = token_hash(token)
    return feed, token


def set_full_details(*, therapist_id: int, full: bool, secret_key: str, now: datetime) -> None:
    """Choose whether the therapist's feed shows visitors' names, contact details and
    messages (off by default: session type and initials only)."""
    with unit_of_work():
        feed = settings_of(therapist_id) or _new_address(
            therapist_id, FeedScope.THERAPIST, secret_key, now)[0]
        feed.full_details = full


def settings_of(therapist_id: int) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(
        *_owner(FeedScope.THERAPIST, therapist_id)))


def find(token: str) -> CalendarFeed:
    feed = db.session.scalar(select(CalendarFeed).where(
        CalendarFeed.token_hash == token_hash(token)).options(joinedload(CalendarFeed.therapist)))
    if feed is None or (feed.therapist is not None and not feed.therapist.active):
        raise NotFound("no such feed")
    return feed


def validator(feed: CalendarFeed, now: datetime) -> Validator:
    """What changes exactly when the feed's content does: which bookings it shows
    and their last change, and the feed's own settings. Last-Modified also counts
    bookings that just left the feed (expired, cancelled), so it never goes back."""
    # One statement: a polling client's 304 costs a single trip to the database.
    shown = and_(*_shown(feed, now))
    count, id_sum, latest = db.session.execute(
        select(func.count(Booking.id).filter(shown), func.sum(Booking.id).filter(shown),
               func.max(Booking.updated_at).filter(Booking.updated_at >= now - PAST))
        .where(*_owned(feed))
    ).one()
    last_modified = max(filter(None, (latest, feed.created_at)))
    basis = (f"{feed.id}:{feed.nonce}:{feed.full_details}:{count}:{id_sum}:{last_modified}:"
             f"{_since(now).year}:{_shown_profile(feed)}")
    return Validator(etag=f'"{hashlib.sha256(basis.encode()).hexdigest()[:32]}"',
                     last_modified=last_modified)


def _shown_profile(feed: CalendarFeed) -> str:
    """What of the therapist's profile the feed shows (its name, zone, language, the
    video link in each event): a change there is a new feed, not a 304. (The practice
    feed's names change with bookings only; Last-Modified follows bookings alone.)"""
    therapist = feed.therapist
    if therapist is None:
        return ""
    meeting = therapist.rules.meeting_url if therapist.rules else ""
    return "|".join((therapist.display_name, therapist.timezone, ",".join(therapist.languages),
                     meeting))


def render(feed: CalendarFeed, now: datetime) -> bytes:
    """The feed's iCalendar bytes (identical for identical content)."""
    # Columns rather than Booking objects, and each therapist and session type read
    # once: a feed of 5,000 bookings spent most of its time in the ORM otherwise.
    rows = db.session.execute(
        select(Booking.ical_uid, Booking.sequence, Booking.start_utc, Booking.end_utc,
               Booking.status, Booking.visitor_name, Booking.visitor_email,
               Booking.visitor_phone,
               # Decrypted only when shown: 5,000 messages cost some 40 ms to decrypt.
               Booking.message if feed.full_details else literal("").label("message"),
               Booking.created_at, Booking.updated_at,
               Booking.therapist_id, Booking.session_type_id, Booking.meeting_room)
        .where(*_shown(feed, now)).order_by(Booking.start_utc)
    ).all()
    locale = _locale(feed.therapist)
    sessions = {session_type.id: session_type.name(locale)
                for session_type in db.session.scalars(select(SessionType))}
    team = {therapist.id: therapist for therapist in db.session.scalars(
        select(Therapist).where(Therapist.id.in_({row.therapist_id for row in rows}))
        .options(selectinload(Therapist.rules)))}
    with_therapist = feed.scope is FeedScope.PRACTICE
    with force_locale(locale):
        events = [_event(row, sessions[row.session_type_id], team[row.therapist_id],
                         feed.full_details, with_therapist=with_therapist) for row in rows]
        name = gettext("First consultations – %(who)s", who=feed.therapist.display_name
                       if feed.therapist else gettext("whole practice"))
    zone = feed.therapist.timezone if feed.therapist else "Europe/Berlin"
    return calendar.feed(events, name=name, zone=zone, since=_since(now))


def _since(now: datetime) -> date:
    """The first day a feed covers (its VTIMEZONE starts in that year when it is empty)."""
    return (now - PAST).date()


def _shown(feed: CalendarFeed, now: datetime) -> list[ColumnElement[bool]]:
    """Which bookings a feed shows: occupying ones from 30 days back on (pending ones
    as tentative), and those cancelled within the last 30 days, so clients drop them."""
    conditions = [
        Booking.start_utc >= now - PAST,
        Booking.start_utc < now + MAX_HORIZON,
        or_(occupying_at(now),
            and_(Booking.status == BookingStatus.CANCELLED, Booking.updated_at >= now - PAST)),
    ]
    return conditions + _owned(feed)


def _owned(feed: CalendarFeed) -> list[ColumnElement[bool]]:
    """The bookings a feed may show at all: its therapist's, or everyone's."""
    return [Booking.therapist_id == feed.therapist_id] if feed.scope is FeedScope.THERAPIST else []


def _event(booking: Any, session_name: str, therapist: Therapist, full_details: bool,
           with_therapist: bool) -> CalendarEvent:
    # `booking` is a row of the columns render() reads.
    who = (booking.visitor_name or "?") if full_details else initials(booking.visitor_name)
    if with_therapist:  # the practice's feed shows the whole team
        who = f"{who} · {therapist.display_name}"
    details = ([booking.visitor_email, booking.visitor_phone, booking.message]
               if full_details else [])
    return CalendarEvent(
        uid=booking.ical_uid,
        sequence=booking.sequence,
        start=booking.start_utc,
        end=booking.end_utc,
        zone=therapist.timezone,
        summary=f"{session_name} · {who}",
        description="\n".join(line for line in details if line),
        location=meeting_link(therapist.rules.meeting_url if therapist.rules else "",
                              booking.meeting_room),
        status=ical_status_of(booking.status),
        created=booking.created_at,
        last_modified=booking.updated_at,
    )


def _owner(scope: FeedScope, therapist_id: int | None) -> list[ColumnElement[bool]]:
    if scope is FeedScope.PRACTICE:
        return [CalendarFeed.scope == FeedScope.PRACTICE]
    return [CalendarFeed.scope == FeedScope.THERAPIST, CalendarFeed.therapist_id == therapist_id]


def _locale(therapist: Therapist | None) -> str:
    return "en" if therapist is not None and "de" not in therapist.languages else "de"
