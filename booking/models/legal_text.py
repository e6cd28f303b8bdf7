"""The practice's legal texts: its Impressum and its privacy notice, in each page
language, written by an admin in Markdown."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import Model
from booking.models.therapist import Therapist


class LegalKind(enum.StrEnum):
    IMPRESSUM = "impressum"  # the provider's identification, § 5 DDG
    PRIVACY = "privacy"  # the privacy notice, Art. 13 GDPR


class LegalText(Model):
    """One legal text in one language, as the admin last saved it. Without a row the
    public page shows the starter template (booking.legal.starters), marked as such."""

    __tablename__ = "legal_text"
    __table_args__ = (
        UniqueConstraint("kind", "language"),
        CheckConstraint("language IN ('de', 'en')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LegalKind] = mapped_column(
        Enum(LegalKind, native_enum=False, create_constraint=True, length=16,
             name="legal_kind", values_callable=lambda kinds: [k.value for k in kinds]))
    language: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(Text)  # Markdown with {{placeholders}}
    updated_at: Mapped[datetime]
    # Who saved it last; the text stays when that account is deleted.
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapist.id", ondelete="SET NULL"))

    updated_by: Mapped[Therapist | None] = relationship()
