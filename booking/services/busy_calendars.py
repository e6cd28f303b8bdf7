"""A therapist's own calendars read as busy time: adding, removing and refreshing them.

A refresh never holds a database transaction open across the network. It claims
the calendar in one short transaction (by setting `last_attempt_at`, which also
keeps other workers off it for an interval), fetches and expands with no
transaction open, and writes the outcome in a second short one: on success the
calendar's busy intervals are replaced whole; on failure only the error and the
attempt are recorded, and the last good intervals stay in use.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, or_, select, true
from sqlalchemy.exc import IntegrityError

from booking.availability import Interval
from booking.busy import expand, fetch
from booking.errors import (
    AlreadyExists,
    CalendarProblem,
    InvalidInput,
    NotFound,
)
from booking.extensions import db
from booking.models import BusyCalendar, BusyInterval, Therapist
from booking.transactions import unit_of_work

log = logging.getLogger(__name__)

# Calendars one worker round refreshes at most: each may take up to the fetch
# timeout, and the same round delivers mail.
BATCH = 5
# Intervals are expanded this far past the horizon, so that a calendar answering
# "not modified" keeps covering the horizon as it moves (see _is_conditional).
COVERAGE_MARGIN = timedelta(days=7)
DEFAULT_HORIZON_DAYS = 60
LABEL_LENGTH = 120
# Longer addresses do not fit the unique index (PostgreSQL: 2,704 bytes a row); real
# secret iCal addresses are far shorter.
URL_BYTES = 2000


@dataclass(frozen=True)
class RefreshSettings:
    """How often calendars are read and how they are fetched, from configuration."""

    interval: timedelta
    fetch: fetch.FetchPolicy

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> RefreshSettings:
        return cls(interval=timedelta(minutes=int(config["BUSY_REFRESH_MINUTES"])),
                   fetch=fetch.FetchPolicy.from_config(config))


class Outcome(enum.StrEnum):
    UPDATED = "updated"  # read anew; the busy intervals were replaced
    UNCHANGED = "unchanged"  # the server said "not modified"; the intervals stay
    FAILED = "failed"  # the last good intervals stay; `error` says why
    GONE = "gone"  # removed while it was being read; nothing written


@dataclass(frozen=True)
class Refreshed:
    """What one refresh did. `error` is safe to show and log (host only)."""

    calendar_id: int
    outcome: Outcome
    intervals: int = 0
    error: str = ""


@dataclass(frozen=True)
class _Claim:
    """What a refresh needs to know, copied out of the claiming transaction."""

    calendar_id: int
    url: str
    etag: str
    last_modified: str
    zone: ZoneInfo
    window_end: datetime


def find_therapist(email: str) -> Therapist:
    """The therapist signing in with `email` (any case), or NotFound."""
    # Addresses are stored lower-cased (team.create_therapist).
    therapist = db.session.scalar(
        select(Therapist).where(Therapist.email == email.strip().lower()))
    if therapist is None:
        raise NotFound(f"no therapist with email {email.strip()}")
    return therapist


def add_busy_calendar(therapist_id: int, url: str, *, now: datetime,
                      policy: fetch.FetchPolicy, label: str = "") -> BusyCalendar:
    """Add one of a therapist's own calendars by its iCalendar address; the next
    worker round reads it. `webcal://` is stored as https://.

    Raises AddressRefused for an address that may not be fetched (scheme, private
    network), CalendarUnavailable when its host cannot be found, AlreadyExists
    when this therapist added it before, NotFound for an unknown therapist and
    InvalidInput for an overlong label. In each case nothing is written.
    """
    label = " ".join(label.split())
    if len(label) > LABEL_LENGTH:
        raise InvalidInput("label", f"use at most {LABEL_LENGTH} characters")
    if len(url.encode()) > URL_BYTES:
        raise InvalidInput("url", f"use at most {URL_BYTES} bytes")
    # Checked before any transaction opens: the lookup may take a while.
    url = fetch.check_address(url, policy)
    try:
        with unit_of_work():
            if db.session.get(Therapist, therapist_id) is None:
                raise NotFound("no such therapist")
            earlier = db.session.scalar(select(BusyCalendar.id).where(
                BusyCalendar.therapist_id == therapist_id, BusyCalendar.url == url))
            if earlier is not None:
                raise AlreadyExists(f"this calendar was added already (#{earlier})")
            calendar = BusyCalendar(therapist_id=therapist_id, url=url, label=label,
                                    created_at=now)
            db.session.add(calendar)
    except IntegrityError as error:  # the same address, added at the same moment
        raise AlreadyExists("this calendar was added already") from error
    return calendar


def busy_calendars_of(therapist_id: int) -> list[BusyCalendar]:
    """A therapist's calendars, oldest first."""
    return list(db.session.scalars(
        select(BusyCalendar).where(BusyCalendar.therapist_id == therapist_id)
        .order_by(BusyCalendar.id)))


def remove_busy_calendar(therapist_id: int, calendar_id: int) -> None:
    """Remove one of the therapist's calendars and the busy time it contributed.
    Raises NotFound for a calendar of someone else."""
    with unit_of_work():
        calendar = db.session.get(BusyCalendar, calendar_id)
        if calendar is None or calendar.therapist_id != therapist_id:
            raise NotFound(f"the therapist has no busy calendar #{calendar_id}")
        # Its intervals go with it (ON DELETE CASCADE).
        db.session.delete(calendar)


def refresh_due(*, now: datetime, settings: RefreshSettings,
                batch: int = BATCH) -> list[Refreshed]:
    """Refresh up to `batch` calendars whose last attempt is older than the
    configured interval (never tried ones first). When none is due, this costs
    one read and no write."""
    due = or_(BusyCalendar.last_attempt_at.is_(None),
              BusyCalendar.last_attempt_at <= now - settings.interval)
    anything_due = db.session.scalar(select(BusyCalendar.id).where(due).limit(1))
    db.session.rollback()
    if anything_due is None:
        return []
    return [_refresh(claim, now, settings) for claim in _claim(due, now, batch)]


def refresh_calendar(calendar_id: int, *, now: datetime,
                     settings: RefreshSettings) -> Refreshed:
    """Refresh one calendar at once, due or not. Raises NotFound for an unknown id."""
    claims = _claim(BusyCalendar.id == calendar_id, now)
    if not claims:
        raise NotFound(f"no busy calendar #{calendar_id}")
    return _refresh(claims[0], now, settings)


def refresh_all(*, now: datetime, settings: RefreshSettings,
                therapist_id: int | None = None) -> list[Refreshed]:
    """Refresh every calendar (or every one of a therapist's) at once, due or not."""
    which = true() if therapist_id is None else BusyCalendar.therapist_id == therapist_id
    return [_refresh(claim, now, settings) for claim in _claim(which, now)]


def _claim(which: ColumnElement[bool], now: datetime, batch: int | None = None) -> list[_Claim]:
    """Mark the chosen calendars as attempted now and copy out what their refresh
    needs. Rows another worker is claiming are skipped (SKIP LOCKED on
    PostgreSQL; on SQLite, the immediate unit of work lets one claimer in at a time)."""
    with unit_of_work(immediate=True):
        calendars = db.session.scalars(
            select(BusyCalendar).where(which)
            .order_by(BusyCalendar.last_attempt_at.asc().nulls_first(), BusyCalendar.id)
            .limit(batch).with_for_update(skip_locked=True)
        ).all()
        claims = []
        for calendar in calendars:
            calendar.last_attempt_at = now
            claims.append(_claim_of(calendar, now))
    return claims


def _claim_of(calendar: BusyCalendar, now: datetime) -> _Claim:
    therapist = calendar.therapist
    horizon = timedelta(days=therapist.rules.horizon_days if therapist.rules is not None
                        else DEFAULT_HORIZON_DAYS)
    conditional = _is_conditional(calendar, now)
    return _Claim(
        calendar_id=calendar.id, url=calendar.url,
        etag=calendar.etag if conditional else "",
        last_modified=calendar.last_modified if conditional else "",
        zone=therapist.zone, window_end=now + horizon + COVERAGE_MARGIN,
    )


def _is_conditional(calendar: BusyCalendar, now: datetime) -> bool:
    """Whether to ask "only if modified". A "not modified" answer keeps the intervals
    of the last full read, which end where that read's horizon ended; the horizon
    moves on every day. So the first successful read of each UTC day is a full
    one, and the margin past the horizon covers the days between (and days of
    failed reads)."""
    last = calendar.last_success_at
    return last is not None and last.date() == now.date()


def _refresh(claim: _Claim, now: datetime, settings: RefreshSettings) -> Refreshed:
    try:
        fetched = fetch.fetch(claim.url, policy=settings.fetch, etag=claim.etag,
                              last_modified=claim.last_modified)
        intervals = None if fetched.body is None else expand.busy_intervals(
            fetched.body, start=now, end=claim.window_end, zone=claim.zone)
    except CalendarProblem as error:
        return _record_failure(claim, str(error), error.problem, now)
    except Exception as error:  # noqa: BLE001 — one odd calendar must not stop the round
        # The type only: a library's message or traceback may quote the calendar.
        return _record_failure(claim, f"could not be read ({type(error).__name__})",
                               {"code": "format"}, now)
    return _record_success(claim, fetched, intervals, now)


def _record_success(claim: _Claim, fetched: fetch.Fetched,
                    intervals: list[Interval] | None, now: datetime) -> Refreshed:
    with unit_of_work(immediate=True):
        calendar = _locked(claim.calendar_id)
        if calendar is None:
            return Refreshed(claim.calendar_id, Outcome.GONE)
        calendar.last_attempt_at = calendar.last_success_at = now
        calendar.last_error, calendar.last_problem = "", None
        if intervals is None:
            return Refreshed(claim.calendar_id, Outcome.UNCHANGED)
        calendar.etag, calendar.last_modified = fetched.etag, fetched.last_modified
        db.session.execute(delete(BusyInterval).where(BusyInterval.calendar_id == calendar.id))
        db.session.add_all(
            BusyInterval(calendar_id=calendar.id, therapist_id=calendar.therapist_id,
                         start_utc=interval.start, end_utc=interval.end)
            for interval in intervals
        )
    return Refreshed(claim.calendar_id, Outcome.UPDATED, intervals=len(intervals))


def _record_failure(claim: _Claim, reason: str, problem: dict[str, str | int],
                    now: datetime) -> Refreshed:
    # The reason names the host at most; the calendar id says which one it was.
    log.warning("busy calendar %d not refreshed: %s", claim.calendar_id, reason)
    with unit_of_work(immediate=True):
        calendar = _locked(claim.calendar_id)
        if calendar is None:
            return Refreshed(claim.calendar_id, Outcome.GONE)
        calendar.last_attempt_at = now
        calendar.last_error, calendar.last_problem = reason, problem
    return Refreshed(claim.calendar_id, Outcome.FAILED, error=reason)


def _locked(calendar_id: int) -> BusyCalendar | None:
    """Within an immediate unit of work: the calendar, locked against a concurrent
    removal or refresh until commit."""
    return db.session.scalar(
        select(BusyCalendar).where(BusyCalendar.id == calendar_id).with_for_update()
        .execution_options(populate_existing=True))
