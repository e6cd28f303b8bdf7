"""Calendars that flow out (subscription feeds) and in (a therapist's busy time)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import Model
from booking.models.therapist import Therapist


class FeedScope(enum.StrEnum):
    THERAPIST = "therapist"  # one therapist's bookings
    PRACTICE = "practice"  # everyone's, for admins


class CalendarFeed(Model):
    """A secret subscription address. The token is derived from SECRET_KEY and the
    row's random nonce, so the address can be shown again while the database
    alone reveals nothing (it keeps the nonce and the token's hash). Rotating
    replaces the row, so the old address stops working at once."""

    __tablename__ = "calendar_feed"
    __table_args__ = (
        CheckConstraint("scope = 'practice' OR therapist_id IS NOT NULL",
                        name="therapist_feed_has_therapist"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[FeedScope] = mapped_column(
        Enum(FeedScope, native_enum=False, create_constraint=True, length=16, name="feed_scope",
             values_callable=lambda scopes: [s.value for s in scopes]))
    therapist_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapist.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Off by default: summaries carry the session type and the visitor's initials only.
    full_details: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]

    therapist: Mapped[Therapist | None] = relationship()


class BusyCalendar(Model):
    """One of a therapist's own calendars (an iCalendar address), read as busy time."""

    __tablename__ = "busy_calendar"
    # Each address once per therapist, also when two requests add it at once.
    __table_args__ = (UniqueConstraint("therapist_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapist.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(120), default="")
    etag: Mapped[str] = mapped_column(String(255), default="")
    last_modified: Mapped[str] = mapped_column(String(64), default="")
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")  # English, as logged
    last_problem: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # CalendarProblem.problem
    created_at: Mapped[datetime]

    therapist: Mapped[Therapist] = relationship()
    intervals: Mapped[list[BusyInterval]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", passive_deletes=True)


class BusyInterval(Model):
    """A stretch of time a busy calendar blocks; replaced whole on each good fetch."""

    __tablename__ = "busy_interval"
    __table_args__ = (
        CheckConstraint("start_utc < end_utc", name="start_before_end"),
        Index("ix_busy_interval_therapist_start", "therapist_id", "start_utc"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("busy_calendar.id", ondelete="CASCADE"), index=True)
    therapist_id: Mapped[int] = mapped_column(ForeignKey("therapist.id", ondelete="CASCADE"))
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]

    calendar: Mapped[BusyCalendar] = relationship(back_populates="intervals")
