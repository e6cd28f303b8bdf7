"""Subscription feeds: the bookings of one therapist (or of the practice) as an
iCalendar feed that calendar programs poll.

A feed's validator (ETag and Last-Modified) comes from one aggregate query over
the bookings it shows, so a client's "anything new?" is answered with 304
without building the feed. The validator also says until when it holds: it is
keyed by the schedule version (moved by every write to the therapist's bookings,
profile or rules, and to session types), and besides writes only time changes
what a feed shows (a booking leaving the 30 days back, a hold lapsing), at
instants the same query finds. So a server may keep it, and answer the next poll
from one small query (`address`). Content is private by default: the session
type and the visitor's initials, no contact details or message.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from flask_babel import force_locale, gettext
from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from booking import calendar, committed_reads
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
from booking.services import schedule
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
    # The last instant before time alone changes the feed (None: no such instant).
    holds_until: datetime | None = None

    def holds_at(self, now: datetime) -> bool:
        return self.holds_until is None or now <= self.holds_until


@dataclass(frozen=True)
class Address:
    """A feed as one small query finds it by its token: what its content depends on
    besides time (its row and the schedule version of whom it shows)."""

    id: int
    nonce: str
    full_details: bool
    scope: FeedScope
    therapist_id: int | None
    created_at: datetime
    version: tuple[int, ...]


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


# Built once: every poll of every feed runs it.
_ADDRESS = (
    select(CalendarFeed.id, CalendarFeed.nonce, CalendarFeed.full_details, CalendarFeed.scope,
           CalendarFeed.therapist_id, CalendarFeed.created_at, Therapist.active,
           Therapist.schedule_version)
    .outerjoin(Therapist, CalendarFeed.therapist_id == Therapist.id)
    .where(CalendarFeed.token_hash == bindparam("token_hash"))
)


def address(token: str) -> Address:
    """The feed of `token` and the schedule version of whom it shows, in one query
    (two for the practice's feed). Raises NotFound as `find` does."""
    row = committed_reads.first_row(_ADDRESS, {"token_hash": token_hash(token)})
    if row is None or row.active is False:
        raise NotFound("no such feed")
    version = ((row.schedule_version,) if row.scope is FeedScope.THERAPIST
               else schedule.version())
    return Address(row.id, row.nonce, row.full_details, row.scope, row.therapist_id,
                   row.created_at, version)


def validator(feed: Address, now: datetime) -> Validator:
    """What changes exactly when the feed's content does: which bookings it shows
    and their last change, the feed's own settings and the schedule version (which
    a change to the therapist's name, zone, languages or video link, to the practice's
    default video link, or to session types, moves too). Last-Modified also counts
    bookings that just left the feed (expired, cancelled), so it never goes back.
    `holds_until` is the last instant before time alone changes any of this."""
    # One statement over the feed's bookings; a kept validator spares even that.
    shown = and_(*_shown(feed, now))
    recent = Booking.updated_at >= now - PAST
    ahead = and_(occupying_at(now), Booking.start_utc >= now + MAX_HORIZON)
    row = db.session.execute(
        select(func.count(Booking.id).filter(shown), func.sum(Booking.id).filter(shown),
               func.max(Booking.updated_at).filter(recent),
               func.min(Booking.start_utc).filter(shown),
               func.min(Booking.updated_at).filter(shown, Booking.status
                                                   == BookingStatus.CANCELLED),
               func.min(Booking.hold_until).filter(shown, Booking.status
                                                   == BookingStatus.PENDING),
               func.min(Booking.start_utc).filter(ahead))
        .where(*_owned(feed))
    ).one()
    Instant = datetime | None
    count, id_sum, latest, first_start, first_cancelled, first_lapse, next_ahead = cast(
        tuple[int, int | None, Instant, Instant, Instant, Instant, Instant], tuple(row))
    last_modified = max(filter(None, (latest, feed.created_at)))
    basis = (f"{feed.id}:{feed.nonce}:{feed.full_details}:{count}:{id_sum}:{last_modified}:"
             f"{_since(now).year}:{feed.version}")
    # Until a booking leaves the 30 days back (or its change does; shown up to and
    # including that instant), a hold lapses (at hold_until), a booking comes within
    # the horizon (just after), or the VTIMEZONE's first year moves on.
    tick = timedelta(microseconds=1)
    last = [
        *(instant + PAST for instant in (latest, first_start, first_cancelled)
          if instant is not None),
        *((first_lapse - tick,) if first_lapse is not None else ()),
        *((next_ahead - MAX_HORIZON,) if next_ahead is not None else ()),
        datetime(_since(now).year + 1, 1, 1, tzinfo=UTC) + PAST - tick,
    ]
    return Validator(etag=f'"{hashlib.sha256(basis.encode()).hexdigest()[:32]}"',
                     last_modified=last_modified, holds_until=min(last))


def render(feed: CalendarFeed, now: datetime) -> bytes:
    """The feed's iCalendar bytes (identical for identical content)."""
    # Columns rather than Booking objects, and each therapist and session type read
    # once: a feed of 5,000 bookings spent most of its time in the ORM otherwise.
    # Contact details only when shown, and the message decrypted only then: 5,000
    # messages cost some 40 ms to decrypt.
    details = ((Booking.visitor_email, Booking.visitor_phone, Booking.message)
               if feed.full_details else ())
    rows = db.session.execute(
        select(Booking.ical_uid, Booking.sequence, Booking.start_utc, Booking.end_utc,
               Booking.status, Booking.visitor_name, Booking.created_at, Booking.updated_at,
               Booking.therapist_id, Booking.session_type_id, Booking.meeting_room, *details)
        .where(*_shown(feed, now)).order_by(Booking.start_utc)
    ).all()
    locale = _locale(feed.therapist)
    sessions = {session_type.id: session_type.name(locale)
                for session_type in db.session.scalars(select(SessionType))}
    hosts = {therapist.id: _Host.of(therapist) for therapist in db.session.scalars(
        select(Therapist).where(Therapist.id.in_({row.therapist_id for row in rows}))
        .options(selectinload(Therapist.rules)))}
    with_therapist = feed.scope is FeedScope.PRACTICE
    with force_locale(locale):
        events = [_event(row, sessions, hosts, feed.full_details, with_therapist=with_therapist)
                  for row in rows]
        name = gettext("First consultations – %(who)s", who=feed.therapist.display_name
                       if feed.therapist else gettext("whole practice"))
    zone = feed.therapist.timezone if feed.therapist else "Europe/Berlin"
    return calendar.feed(events, name=name, zone=zone, since=_since(now))


def _since(now: datetime) -> date:
    """The first day a feed covers (its VTIMEZONE starts in that year when it is empty)."""
    return (now - PAST).date()


def _shown(feed: CalendarFeed | Address, now: datetime) -> list[ColumnElement[bool]]:
    """Which bookings a feed shows: occupying ones from 30 days back on (pending ones
    as tentative), and those cancelled within the last 30 days, so clients drop them."""
    conditions = [
        Booking.start_utc >= now - PAST,
        Booking.start_utc < now + MAX_HORIZON,
        or_(occupying_at(now),
            and_(Booking.status == BookingStatus.CANCELLED, Booking.updated_at >= now - PAST)),
    ]
    return conditions + _owned(feed)


def _owned(feed: CalendarFeed | Address) -> list[ColumnElement[bool]]:
    """The bookings a feed may show at all: its therapist's, or everyone's."""
    return [Booking.therapist_id == feed.therapist_id] if feed.scope is FeedScope.THERAPIST else []


@dataclass(frozen=True, slots=True)
class _Host:
    """What a feed's events say of their therapist, read once per feed rather than
    once per event."""

    name: str
    zone: str
    meeting_template: str  # their own, or the practice's default

    @classmethod
    def of(cls, therapist: Therapist) -> _Host:
        return cls(therapist.display_name, therapist.timezone, therapist.meeting_template)


def _event(booking: Any, sessions: dict[int, str], hosts: dict[int, _Host], full_details: bool,
           with_therapist: bool) -> CalendarEvent:
    # `booking` is a row of the columns render() reads: contact details follow the
    # first eleven only when the feed shows them.
    (uid, sequence, start, end, status, name, created, updated, therapist_id,
     session_type_id, room, *details) = booking
    host = hosts[therapist_id]
    who = (name or "?") if full_details else initials(name)
    if with_therapist:  # the practice's feed shows the whole team
        who = f"{who} · {host.name}"
    return CalendarEvent(
        uid=uid,
        sequence=sequence,
        start=start,
        end=end,
        zone=host.zone,
        summary=f"{sessions[session_type_id]} · {who}",
        description="\n".join(filter(None, details)),
        location=meeting_link(host.meeting_template, room),
        status=ical_status_of(status),
        created=created,
        last_modified=updated,
    )


def _owner(scope: FeedScope, therapist_id: int | None) -> list[ColumnElement[bool]]:
    if scope is FeedScope.PRACTICE:
        return [CalendarFeed.scope == FeedScope.PRACTICE]
    return [CalendarFeed.scope == FeedScope.THERAPIST, CalendarFeed.therapist_id == therapist_id]


def _locale(therapist: Therapist | None) -> str:
    return "en" if therapist is not None and "de" not in therapist.languages else "de"
