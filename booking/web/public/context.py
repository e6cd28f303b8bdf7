"""What a visitor carries from page to page in the query string: where they came
from, their time zone and the language filter. Validated once, here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Request

from booking.validation import LANGUAGES, visitor_zone

_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")


@dataclass(frozen=True)
class VisitContext:
    source: str  # the article's slug from the CTA link; "" when unknown or malformed
    zone: ZoneInfo
    speaks: str | None  # only therapists speaking this language

    @classmethod
    def from_request(cls, request: Request) -> VisitContext:
        values = request.values
        source = values.get("source", "")
        speaks = values.get("speaks")
        return cls(
            source=source if _SOURCE.match(source) else "",
            zone=visitor_zone(values.get("tz")),
            speaks=speaks if speaks in LANGUAGES else None,
        )

    def query(self, **extra) -> dict:
        """Query parameters that carry this context into the next link."""
        params = {"tz": self.zone.key,
                  "source": self.source or None, "speaks": self.speaks, **extra}
        return {key: value for key, value in params.items() if value is not None}


# Starts outside these years cannot be slots, and near the ends of datetime's
# range they would overflow when converted between zones.
_YEARS = range(2000, 2200)


def parse_start(value: str | None) -> datetime | None:
    """A slot start as posted or linked (ISO 8601 with offset), or None if unreadable."""
    try:
        start = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if start.tzinfo is None or start.year not in _YEARS:
        return None
    return start
