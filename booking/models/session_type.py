"""Kinds of session a visitor can book, such as the free first consultation."""

from datetime import timedelta

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from booking.extensions import Model

# The session type behind the articles' "kostenfreies Erstgespräch" buttons.
FIRST_SESSION_SLUG = "erstgespraech"


class SessionType(Model):
    __tablename__ = "session_type"
    __table_args__ = (CheckConstraint("duration_minutes > 0", name="duration_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_de: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_de: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int]
    is_free: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_de

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_de
