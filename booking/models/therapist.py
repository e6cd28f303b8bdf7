"""The therapist aggregate: profile, working hours, time off and booking rules."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_login import UserMixin
from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from booking import availability
from booking.extensions import Model
from booking.models.practice import default_meeting_template


class Role(enum.StrEnum):
    THERAPIST = "therapist"
    ADMIN = "admin"


class Therapist(UserMixin, Model):
    __tablename__ = "therapist"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    # What visitors read about the therapist: in German, and optionally in English for
    # the English pages (each language falls back to the other).
    title: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    title_en: Mapped[str] = mapped_column(String(120), default="")
    bio_en: Mapped[str] = mapped_column(Text, default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The name of their photo (a MediaImage), shown instead of initials; None: initials.
    photo: Mapped[str | None] = mapped_column(ForeignKey("media_image.name"), default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, create_constraint=True, length=16, name="role",
             values_callable=lambda roles: [r.value for r in roles]),
        default=Role.THERAPIST,
    )
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the signed-in session: raising it ends every session of this account
    # on the server (sign-out, password change), so a replayed old cookie is refused.
    session_version: Mapped[int] = mapped_column(default=0)
    # Moves with every write that changes what visitors are offered of this therapist
    # (models/schedule_version.py): caches of free slots and pages key on it.
    schedule_version: Mapped[int] = mapped_column(default=0)
    # Second factor (TOTP): the shared secret, empty when off, and the last time step
    # a code was accepted for, so that each code works once.
    totp_secret: Mapped[str] = mapped_column(String(64), default="")
    totp_last_step: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]

    working_hours: Mapped[list[WorkingHours]] = relationship(
        back_populates="therapist", cascade="all, delete-orphan",
        order_by="(WorkingHours.weekday, WorkingHours.start_time)",
    )
    time_off: Mapped[list[TimeOff]] = relationship(
        back_populates="therapist", cascade="all, delete-orphan", order_by="TimeOff.start_utc"
    )
    # None until the therapist's rules row is written (nothing in the schema forces one).
    rules: Mapped[BookingRules | None] = relationship(
        back_populates="therapist", cascade="all, delete-orphan", uselist=False
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def meeting_template(self) -> str:
        """The meeting-link template of this therapist's sessions: their own, else the
        practice's default ("" when neither is set: no online room)."""
        own = self.rules.meeting_url if self.rules else ""
        # The practice's row is read (from the therapist's own session) only when needed.
        return own or default_meeting_template(object_session(self))

    def title_in(self, locale: str) -> str:
        return (self.title_en or self.title) if locale == "en" else (self.title or self.title_en)

    def bio_in(self, locale: str) -> str:
        return (self.bio_en or self.bio) if locale == "en" else (self.bio or self.bio_en)

    @property
    def two_factor(self) -> bool:
        return bool(self.totp_secret)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def account_fingerprint(self) -> str:
        """Changes whenever the password or the sessions do: account links carry it."""
        basis = f"{self.password_hash}:{self.session_version}".encode()
        return hashlib.sha256(basis).hexdigest()[:24]

    def end_sessions(self) -> None:
        self.session_version += 1

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def weekly_hours(self) -> list[availability.WeeklyHours]:
        return [h.as_weekly_hours() for h in self.working_hours]


class WorkingHours(Model):
    """One interval of a weekday in the therapist's local wall time (several per day)."""

    __tablename__ = "working_hours"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("start_time < end_time", name="start_before_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapist.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int]
    start_time: Mapped[time]
    end_time: Mapped[time]

    therapist: Mapped[Therapist] = relationship(back_populates="working_hours")

    def as_weekly_hours(self) -> availability.WeeklyHours:
        return availability.WeeklyHours(self.weekday, self.start_time, self.end_time)


class TimeOff(Model):
    __tablename__ = "time_off"
    __table_args__ = (CheckConstraint("start_utc < end_utc", name="start_before_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapist.id", ondelete="CASCADE"), index=True
    )
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    note: Mapped[str] = mapped_column(String(200), default="")

    therapist: Mapped[Therapist] = relationship(back_populates="time_off")

    def as_interval(self) -> availability.Interval:
        return availability.Interval(self.start_utc, self.end_utc)


class BookingRules(Model):
    """How a therapist wants to be booked. One row per therapist."""

    __tablename__ = "booking_rules"
    __table_args__ = (
        CheckConstraint(
            "buffer_before_minutes >= 0 AND buffer_after_minutes >= 0", name="buffers_not_negative"
        ),
        CheckConstraint("minimum_notice_minutes >= 0", name="notice_not_negative"),
        CheckConstraint("horizon_days > 0", name="horizon_positive"),
        CheckConstraint("slot_step_minutes > 0", name="step_positive"),
        CheckConstraint("daily_cap IS NULL OR daily_cap > 0", name="cap_positive"),
    )

    therapist_id: Mapped[int] = mapped_column(
        ForeignKey("therapist.id", ondelete="CASCADE"), primary_key=True
    )
    buffer_before_minutes: Mapped[int] = mapped_column(default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(default=10)
    minimum_notice_minutes: Mapped[int] = mapped_column(default=12 * 60)
    horizon_days: Mapped[int] = mapped_column(default=60)
    slot_step_minutes: Mapped[int] = mapped_column(default=60)
    daily_cap: Mapped[int | None] = mapped_column(default=None)
    meeting_url: Mapped[str] = mapped_column(String(500), default="")

    therapist: Mapped[Therapist] = relationship(back_populates="rules")

    def for_session(self, duration: timedelta) -> availability.Rules:
        """These rules as the slot engine takes them, for a session of `duration`."""
        return availability.Rules(
            duration=duration,
            minimum_notice=timedelta(minutes=self.minimum_notice_minutes),
            horizon=timedelta(days=self.horizon_days),
            slot_step=timedelta(minutes=self.slot_step_minutes),
            buffer_before=timedelta(minutes=self.buffer_before_minutes),
            buffer_after=timedelta(minutes=self.buffer_after_minutes),
            daily_cap=self.daily_cap,
        )
