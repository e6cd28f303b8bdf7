"""The time-zone picker: zones by city and country in the reader's language (CLDR
through Babel), the current ones only (no old aliases such as Asia/Saigon or US/…),
the visitor's own first and the practice's common ones next, all of them grouped by
region one link away, and a search that needs no JavaScript."""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from flask_babel import gettext

# The names themselves are shared with the mails (which have no request).
from booking.zone_names import canonical_zones
from booking.zone_names import zone_name as _name
from booking.zone_names import zone_names as _names

# Shown first in the zone picker: where the practice's visitors mostly are.
COMMON_ZONES = ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/London",
                "Europe/Paris", "Europe/Madrid", "Europe/Istanbul", "America/New_York",
                "America/Los_Angeles", "Asia/Dubai", "Asia/Kolkata", "Australia/Sydney",
                "Etc/UTC")
# The languages whose city and country names the search knows (the site's languages).
SEARCH_LOCALES = ("de", "en")
# At most this many search results: a search that finds more is too vague to list.
MOST_FOUND = 20
# Regions in the order the full list shows them, with the CLDR territory that names
# them (None: named here, CLDR has no word for an ocean).
_REGIONS = {"Europe": "150", "America": "019", "Asia": "142", "Africa": "002",
            "Oceania": "009", "Atlantic": None, "Indian": None, "Antarctica": "AQ"}


@dataclass(frozen=True)
class ZoneGroup:
    label: str
    zones: list[tuple[str, str]]  # (IANA name, label)


@dataclass(frozen=True)
class ZonePicker:
    """What the picker shows: the visitor's zone first, then the groups; every zone
    (`complete`) or the common ones; and what a search found."""

    current: tuple[str, str]
    groups: list[ZoneGroup]
    complete: bool
    query: str = ""
    found: tuple[tuple[str, str], ...] = ()


def _offset(zone: str, now: datetime) -> str:
    """UTC+1, UTC−3, UTC+5:30: as short as it can be said."""
    delta = now.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "") if minutes else "UTC"


@functools.lru_cache(maxsize=4)
def _labels(locale: str, minute: datetime) -> dict[str, str]:
    # The labels depend only on CLDR, the zone database and the instant. No zone changes
    # its offset within a minute, so one build serves every request of that minute in
    # that language (the zoneinfo module keeps only the last few zones in memory).
    return {zone: _label(zone, locale, minute) for zone in canonical_zones()}


def _label(zone: str, locale: str, now: datetime) -> str:
    name, offset = _name(zone, locale), _offset(zone, now)
    return name if name == offset else f"{name} ({offset})"


def zone_label(zone: str, now: datetime, locale: str) -> str:
    """"Berlin, Deutschland (UTC+1)": city, country and current offset of `zone`."""
    return _labels(locale, now.replace(second=0, microsecond=0)).get(zone) or _label(
        zone, locale, now)


def zone_choices(now: datetime, current: ZoneInfo, locale: str) -> list[tuple[str, str]]:
    """(IANA name, label) of every current zone, `current` first, for a plain select."""
    labels = _labels(locale, now.replace(second=0, microsecond=0))
    return [(current.key, zone_label(current.key, now, locale)),
            *((zone, labels[zone]) for zone in _alphabetical(locale) if zone != current.key)]


@functools.cache
def _alphabetical(locale: str) -> tuple[str, ...]:
    """The current zones in the alphabetical order of their names in `locale`."""
    names = {zone: _fold(_name(zone, locale)) for zone in canonical_zones()}
    return tuple(sorted(names, key=names.__getitem__))


def zone_picker(now: datetime, current: ZoneInfo, locale: str, *, complete: bool = False,
                query: str = "") -> ZonePicker:
    """The visitor's picker: their zone first, then the common ones, then (when
    `complete`) every zone by region; `query` finds zones by city, country or name."""
    labels = _labels(locale, now.replace(second=0, microsecond=0))
    common = [(z, labels[z]) for z in COMMON_ZONES if z != current.key]
    groups = [ZoneGroup(gettext("Often chosen"), common)]
    if complete:
        groups += _regions(labels, locale, current.key)
    query = " ".join(query.split())[:60]
    return ZonePicker(current=(current.key, zone_label(current.key, now, locale)),
                      groups=groups, complete=complete, query=query,
                      found=tuple(_search(query, labels, locale)) if query else ())


def _regions(labels: dict[str, str], locale: str, current: str) -> list[ZoneGroup]:
    territories = Locale.parse(locale).territories
    ocean = {"Atlantic": gettext("Atlantic Ocean"), "Indian": gettext("Indian Ocean")}
    by_region: dict[str, list[tuple[str, str]]] = {region: [] for region in _REGIONS}
    names = _names(locale)
    for zone in _alphabetical(locale):
        if (region := names[zone][2]) and zone != current:
            by_region[region].append((zone, labels[zone]))
    return [ZoneGroup(ocean.get(region) or territories[_REGIONS[region] or ""], zones)
            for region, zones in by_region.items() if zones]


def _search(query: str, labels: dict[str, str], locale: str) -> list[tuple[str, str]]:
    """Zones whose city or country (in German or English, whatever the page's language:
    visitors type the name they know) or IANA name contains `query`, ignoring case and
    accents ("zurich" finds Zürich, "Wien" finds Vienna); labelled in the page's."""
    wanted = _fold(query)
    words = _search_words()
    # The label too: it has the offset, so "UTC+1" finds the zones an hour ahead.
    return [(zone, labels[zone]) for zone in _alphabetical(locale)
            if wanted in words[zone] or wanted in _fold(labels[zone])][:MOST_FOUND]


@functools.cache
def _search_words() -> dict[str, str]:
    """What a search compares with, per zone: its names in every language the site
    speaks and its IANA name, folded (built once: it depends only on CLDR)."""
    return {zone: _fold(" ".join((*(part for locale in SEARCH_LOCALES
                                    for part in _names(locale)[zone][:2]),
                                 zone.replace("_", " "))))
            for zone in canonical_zones()}


def _fold(text: str) -> str:
    """Text for comparing: without case and accents."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold())
                   if not unicodedata.combining(ch))
