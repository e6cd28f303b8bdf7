"""Small helpers that make tests read like the schedule they describe."""

from datetime import datetime
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: str, hh_mm: str) -> datetime:
    """The instant of a Berlin wall time, e.g. berlin("2026-06-02", "09:00")."""
    return datetime.fromisoformat(f"{day}T{hh_mm}").replace(tzinfo=BERLIN)


def reconfigure(app, **config) -> None:
    """Change settings of a running test app as a restart with them would: the settings
    objects are built once, from the config, so they are built again."""
    from booking import settings

    app.config.update(config)
    settings.init_app(app)
