"""Exceptions the practice makes to the one-free-first-consultation rule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import Model
from booking.models.therapist import Therapist


class FirstSessionWaiver(Model):
    """One more free first consultation for the person behind an email address.

    Not marked as used: a person may hold as many counting free consultations as
    one plus their waivers, so a booking that lapses or is cancelled gives its
    allowance back by itself.
    """

    __tablename__ = "first_session_waiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The address reduced to its person, as Booking.visitor_email_key.
    email_key: Mapped[str] = mapped_column(String(254), index=True)
    email: Mapped[str] = mapped_column(String(254))  # as the admin typed it, for the list
    note: Mapped[str] = mapped_column(String(200), default="")
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapist.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]

    granted_by: Mapped[Therapist | None] = relationship()
