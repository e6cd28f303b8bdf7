"""What a visitor carries from page to page in the query string: where they came
from, their time zone and the language filter. Validated once, here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Request, request
from flask_babel import get_locale

from booking.validation import LANGUAGES, visitor_zone

# The page languages a link may ask for with ?lang=.
PAGE_LANGUAGES = ("de", "en")
# ?speaks= for "therapists of every language", as chosen (the default may be narrower).
EVERY_LANGUAGE = "any"
# Page languages that are also the default language filter: a visitor reading in
# English may not follow a session in German. German, the practice's own language,
# keeps the whole team by default, as before.
FILTERED_BY_PAGE_LANGUAGE = ("en",)

_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,119}$")


@dataclass(frozen=True)
class VisitContext:
    source: str  # the article's slug from the CTA link; "" when unknown or malformed
    zone: ZoneInfo
    speaks: str | None  # only therapists speaking this language
    lang: str | None = None  # the page language asked for; no session remembers it
    embedded: bool = False  # shown inside the article's frame (embed.js), without chrome
    speaks_by_default: bool = False  # `speaks` follows the page language, not a choice

    @classmethod
    def from_request(cls, request: Request) -> VisitContext:
        """The visit as the request carries it; without a language filter of its own
        (?speaks=), an English page filters by its language."""
        values = request.values
        source = values.get("source", "")
        speaks = values.get("speaks")
        lang = values.get("lang")
        chosen = speaks in LANGUAGES or speaks == EVERY_LANGUAGE
        if not chosen:
            page_language = str(get_locale())
            speaks = page_language if page_language in FILTERED_BY_PAGE_LANGUAGE else None
        return cls(
            source=source if _SOURCE.match(source) else "",
            zone=visitor_zone(values.get("tz")),
            speaks=speaks if speaks in LANGUAGES else None,
            lang=lang if lang in PAGE_LANGUAGES else None,
            embedded=is_embedded(request),
            speaks_by_default=not chosen,
        )

    def query(self, **extra) -> dict:
        """Query parameters that carry this context into the next link."""
        params = {"tz": self.zone.key, "source": self.source or None,
                  "speaks": None if self.speaks_by_default else self.speaks or EVERY_LANGUAGE,
                  "lang": self.lang, "embed": "1" if self.embedded else None, **extra}
        return {key: value for key, value in params.items() if value is not None}


def is_embedded(request: Request) -> bool:
    """True when the page is shown in the article's frame (?embed=1, set by embed.js)."""
    return request.values.get("embed") == "1"


def carry_visit(endpoint: str, values: dict) -> None:
    """URL defaults of the visitor pages: every link between them keeps the language
    and the framing asked for, since no cookie remembers either."""
    if request.blueprint != "public":
        return
    lang = request.values.get("lang")
    if "lang" not in values and lang in PAGE_LANGUAGES:
        values["lang"] = lang
    if "embed" not in values and is_embedded(request):
        values["embed"] = "1"


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
