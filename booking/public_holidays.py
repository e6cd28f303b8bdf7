"""Germany's public holidays for one federal state, in the visitor's language.

Pure: no Flask, no database. The `holidays` package knows the dates and the names
(German and English); each year's calendar is built once per process, as it depends
on nothing but the state and the year. Only its German calendar is loaded: the
package's registry of countries would import all of them (see _germany).

Christmas Eve and New Year's Eve are not public holidays in law, but practices close
on them as shops and offices do (the issue asked that 24 December can no longer be
booked), so they count here too.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from datetime import date
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays


def _germany() -> type[holidays.HolidayBase]:
    """The class of holidays.Germany, loaded from its own module alone.

    The package's ways to a country (holidays.Germany, country_holidays) import the
    package holidays.countries, whose __init__ imports every country's calendar: about
    7 MB more in every worker (RSS after create_app and a visitor's pages), for the one
    calendar used here. The module needs only the package's core (holiday_base, groups,
    calendars), which `import holidays` loads."""
    name = "holidays.countries.germany"
    module = sys.modules.get(name)
    if module is None:
        path = Path(holidays.__file__).parent / "countries" / "germany.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None, path
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # as an import would: the registry, if ever loaded, reuses it
        spec.loader.exec_module(module)
    germany: type[holidays.HolidayBase] = module.Germany
    return germany


# The practice is in Germany: its closed days are dates in Berlin's time.
PRACTICE_ZONE = ZoneInfo("Europe/Berlin")
_Germany = _germany()
# The federal states (BE = Berlin, BY = Bavaria, ...) and the one city with a
# holiday of its own (Augsburg's Friedensfest), as HOLIDAY_STATE takes them.
STATES: tuple[str, ...] = tuple(_Germany.subdivisions)
# The states' names (Berlin, Bayern, ...) by their codes, for people rather than settings.
STATE_NAMES: dict[str, str] = {code: name for name, code in
                               _Germany.subdivisions_aliases.items()}
_EVES = {(12, 24): {"de": "Heiligabend", "en": "Christmas Eve"},
         (12, 31): {"de": "Silvester", "en": "New Year's Eve"}}
_LANGUAGES = {"de": "de", "en": "en_US"}


def holidays_between(state: str, first: date, last: date, *,
                     locale: str = "de") -> dict[date, str]:
    """The days from `first` to `last` (both included) on which the practice closes
    in `state`, with their names in `locale` ("de" or "en"); empty for state ""."""
    if not state:
        return {}
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        found.update((day, name) for day, name in _year(state, year, _language(locale)).items()
                     if first <= day <= last)
    return found


@functools.lru_cache(maxsize=64)
def _year(state: str, year: int, locale: str) -> MappingProxyType[date, str]:
    if state not in STATES:
        raise ValueError(f"not a German federal state: {state!r} (one of {', '.join(STATES)})")
    days = {day: str(name) for day, name in _Germany(
        subdiv=state, years=year, language=_LANGUAGES[locale]).items()}
    for (month, day), names in _EVES.items():
        days.setdefault(date(year, month, day), names[locale])
    return MappingProxyType(days)


def _language(locale: str) -> str:
    return "en" if locale.startswith("en") else "de"
