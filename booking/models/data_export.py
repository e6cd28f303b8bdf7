"""A visitor's request for a copy of their data: the one-time link mailed to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.extensions import Model
from booking.models.booking import Booking


class DataExport(Model):
    """One mailed download link for everything stored about a booking's client.

    The link's secret is derived from SECRET_KEY and the row's random nonce (like a
    feed's address), so the mail can be rendered at delivery while neither this row
    nor the outbox holds a usable link: the row keeps the nonce and the secret's
    SHA-256, for the lookup. It holds no personal data; whose data it gives is read
    from its booking when the link is used, so an erasure in between leaves nothing
    to download. The link works once (`used_at`) and until `expires_at`."""

    __tablename__ = "data_export"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"),
                                            index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    booking: Mapped[Booking] = relationship()

    def usable(self, now: datetime) -> bool:
        """True until the link was used once or has expired."""
        return self.used_at is None and now < self.expires_at
