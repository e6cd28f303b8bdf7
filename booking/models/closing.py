"""Days on which the whole practice is closed, beyond the public holidays."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from booking.extensions import Model


class ClosingPeriod(Model):
    """From `first_day` to `last_day` (both included, dates in the practice's zone,
    Europe/Berlin) nobody in the team can be booked, e.g. between Christmas and New Year."""

    __tablename__ = "closing_period"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="first_not_after_last"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_day: Mapped[date] = mapped_column(index=True)
    last_day: Mapped[date] = mapped_column(index=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]

    def days(self) -> list[date]:
        return [date.fromordinal(n) for n in range(self.first_day.toordinal(),
                                                   self.last_day.toordinal() + 1)]
