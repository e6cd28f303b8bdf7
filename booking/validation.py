"""Checks of single values shared by forms, services and the command line."""

from __future__ import annotations

import difflib
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


# Mail providers most of the practice's visitors use, by name: an address at a name
# close to one of these ("gmial") or at a known name under an odd ending ("gmail.con")
# is most likely a typo.
MAIL_PROVIDERS = {
    "gmail": ("gmail.com",), "googlemail": ("googlemail.com",),
    "gmx": ("gmx.de", "gmx.net", "gmx.at", "gmx.ch"), "web": ("web.de",),
    "t-online": ("t-online.de",), "freenet": ("freenet.de",),
    "posteo": ("posteo.de", "posteo.net"), "mailbox": ("mailbox.org",), "arcor": ("arcor.de",),
    "outlook": ("outlook.com", "outlook.de"), "hotmail": ("hotmail.com", "hotmail.de"),
    "live": ("live.com", "live.de"), "yahoo": ("yahoo.com", "yahoo.de"),
    "icloud": ("icloud.com",), "aol": ("aol.com",), "protonmail": ("protonmail.com",),
    "proton": ("proton.me",), "bluewin": ("bluewin.ch",), "mail": ("mail.de",),
    "email": ("email.de",), "online": ("online.de",),
}
# Endings that are real where the practice's visitors live: "hotmail.fr" is no typo.
_COMMON_ENDINGS = frozenset((
    "com", "de", "net", "org", "at", "ch", "li", "lu", "fr", "it", "es", "nl", "be", "dk",
    "se", "no", "fi", "pl", "cz", "uk", "eu", "info", "me", "io", "edu", "tr", "ru", "us",
    "ca", "au"))


def email_suggestion(address: str) -> str | None:
    """The address with its domain corrected, when the domain looks like a typo of a
    common mail provider's ("kim@gmial.con" -> "kim@gmail.com"); else None. Only a
    suggestion: the address as typed stays valid."""
    local, at, domain = address.strip().rpartition("@")
    name, dot, ending = domain.lower().rpartition(".")
    if not (at and local and dot and name):
        return None
    if name in MAIL_PROVIDERS:
        if ending in _COMMON_ENDINGS:
            return None
        provider = name
    else:
        close = difflib.get_close_matches(name, MAIL_PROVIDERS, n=1, cutoff=0.8)
        if not close:
            return None
        provider = close[0]
    domains = MAIL_PROVIDERS[provider]
    fitting = [d for d in domains if d.endswith(f".{ending}")]
    nearest = difflib.get_close_matches(ending, [d.rpartition(".")[2] for d in domains], n=1,
                                        cutoff=0)
    return f"{local}@{fitting[0] if fitting else provider + '.' + nearest[0]}"
