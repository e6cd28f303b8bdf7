"""The admin's audit trail: who of the practice looked at or acted on a client's booking."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import Model
from booking.models.therapist import Therapist


class AuditAction(enum.StrEnum):
    VIEWED = "viewed"  # opened the booking's page with the client's details
    EXPORTED = "exported"  # downloaded what is stored about the client
    ERASED = "erased"  # deleted the client's personal data
    CHANGED = "changed"  # cancelled, handed over, noted, recorded the outcome


class BookingAudit(Model):
    """One access by an account (a therapist or an admin) to a booking. Holds no client
    data, like the status history: it lives as long as the booking row and goes with it
    (an erasure keeps both; they say who saw the data before it was deleted)."""

    __tablename__ = "booking_audit"
    __table_args__ = (Index("ix_booking_audit_booking_at", "booking_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"))
    # None for the service itself (the retention job) and for a deleted account.
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("therapist.id", ondelete="SET NULL"))
    action: Mapped[AuditAction] = mapped_column(
        Enum(AuditAction, native_enum=False, create_constraint=True, length=16,
             name="audit_action", values_callable=lambda actions: [a.value for a in actions]))
    at: Mapped[datetime]

    account: Mapped[Therapist | None] = relationship()
