"""The practice's own details and look, and the pictures the service serves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from booking.extensions import Model


class MediaImage(Model):
    """A re-encoded picture (logo, therapist photo), kept in the database so that every
    host serves it without a shared file system. Its name is its content's SHA-256 and
    extension: the address changes with the content, so it may be cached for good."""

    __tablename__ = "media_image"
    __table_args__ = (CheckConstraint("length(sha256) = 64", name="sha256_hex"),)

    name: Mapped[str] = mapped_column(String(80), primary_key=True)  # "<sha256>.<ext>"
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    # Deferred: only the route that serves the picture reads its bytes.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime]


class PracticeProfile(Model):
    """The practice as visitors and mails name it, set by an admin. One row at most;
    until it is written, the PRACTICE_* settings stand in for it."""

    __tablename__ = "practice_profile"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(500), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254))
    accent: Mapped[str] = mapped_column(String(7), default="")  # "#rrggbb"; "" site.css's own
    logo: Mapped[str | None] = mapped_column(ForeignKey("media_image.name"), default=None)
    # The meeting-link template (meeting_links) of every therapist who sets none of
    # their own; "" for none: their sessions then have no online room.
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime]


def default_meeting_template(session: Session | None) -> str:
    """The practice's default meeting-link template, "" before an admin sets one."""
    row = session.get(PracticeProfile, 1) if session is not None else None
    return row.meeting_url if row is not None else ""
