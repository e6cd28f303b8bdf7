"""Where a time zone is, in words people read: "Berlin, Deutschland", "New York,
United States" (CLDR city and country names through Babel), for pages and mails alike.

Pure: no Flask, no request, no app. The language is passed in, so a mail rendered by
the outbox worker names a zone exactly as the page the visitor booked on did."""

from __future__ import annotations

import functools
from importlib import resources

from babel import Locale
from babel.dates import get_timezone_location

UTC_ZONE = "Etc/UTC"
# Names the tz database has for UTC itself: CLDR calls them "Unknown Region (UTC)",
# so they are named "UTC" here.
UTC_NAMES = frozenset({UTC_ZONE, "UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT",
                       "Universal", "Zulu"})
_REGION_OF_PREFIX = {"Arctic": "Europe", "Australia": "Oceania", "Pacific": "Oceania"}


@functools.cache
def canonical_zones() -> dict[str, str]:
    """Every current zone with its country code, from the tz database's zone.tab
    (which lists no backward-compatible alias), and UTC."""
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    rows = (line.split("\t") for line in table.splitlines() if line and line[0] != "#")
    return {UTC_ZONE: "", **{row[2]: row[0] for row in rows}}


@functools.cache
def zone_names(locale: str) -> dict[str, tuple[str, str, str]]:
    """(city, country, region) of every current zone in `locale`: fixed for a worker's
    life (they depend only on CLDR), so built once per language."""
    territories = Locale.parse(locale).territories
    names = {}
    for zone, country in canonical_zones().items():
        if zone == UTC_ZONE:
            names[zone] = ("UTC", "", "")
            continue
        city = get_timezone_location(zone, locale=locale, return_city=True)
        prefix = zone.split("/", 1)[0]
        names[zone] = (city, territories.get(country, country),
                       _REGION_OF_PREFIX.get(prefix, prefix))
    return names


def zone_name(zone: str, locale: str) -> str:
    """City and country of a current zone ("Berlin, Deutschland"); an old alias or an
    unknown name as it is written, without underscores."""
    city, country, _ = zone_names(locale).get(zone) or (zone.replace("_", " "), "", "")
    return f"{city}, {country}" if country and country != city else city


def zone_place(zone: str, locale: str) -> str:
    """Where `zone` is, as a visitor reads it: "New York, Vereinigte Staaten", "UTC"."""
    return "UTC" if zone in UTC_NAMES else zone_name(zone, locale)
