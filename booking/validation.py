"""Checks of single values shared by forms, services and the command line."""

from __future__ import annotations

import functools
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.core import get_global
from email_validator import EmailNotValidError, validate_email

from booking.errors import InvalidInput

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Providers that ignore dots in the local part and deliver +tags to the same box.
_DOT_BLIND_DOMAINS = {"gmail.com", "googlemail.com"}
LANGUAGES = ("de", "en")
DEFAULT_ZONE = "Europe/Berlin"


def timezone(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or InvalidInput."""
    # available_timezones() keeps path-like or odd keys ("../x", "") out of ZoneInfo.
    if name not in _zone_names():
        raise InvalidInput("timezone", f"unknown time zone {name!r} (expected e.g. Europe/Berlin)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput("timezone", f"unknown time zone {name!r}") from error


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def email(address: str) -> str:
    """The address in its normalised form (domain lower-cased), or InvalidInput."""
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise InvalidInput("email", str(error)) from error


def email_identity(address: str) -> str:
    """The person behind an address: case, +tags and, where the provider ignores
    them, dots do not make a second person."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _DOT_BLIND_DOMAINS:
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def slug(value: str) -> str:
    if not _SLUG.match(value) or len(value) > 80:
        raise InvalidInput("slug", f"{value!r} is not a slug (lower-case letters, digits, hyphens)")
    return value


def languages(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in LANGUAGES]
    if unknown or not values:
        raise InvalidInput("languages", f"choose from {', '.join(LANGUAGES)}")
    return list(dict.fromkeys(values))


def visitor_zone(name: str | None) -> ZoneInfo:
    """The zone a visitor asked for under its current name (browsers still report
    old ones such as Asia/Calcutta), or the practice's when the name is unknown."""
    name = name or DEFAULT_ZONE
    try:
        return timezone(get_global("zone_aliases").get(name, name))
    except InvalidInput:
        return ZoneInfo(DEFAULT_ZONE)
