"""The settings objects the services take, built once by create_app from the config
and handed down from there: views, the worker and the command line read them here
instead of rebuilding them from `app.config` on every call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import Flask, current_app

from booking.links import Links
from booking.services.bookings import Policy
from booking.services.busy_calendars import RefreshSettings
from booking.services.delivery import DeliverySettings
from booking.services.erasure import Retention
from booking.services.notifications import MailSettings

EXTENSION = "booking.settings"
__all__ = ["Retention", "Settings", "current_settings", "init_app", "settings_of"]


@dataclass(frozen=True)
class Settings:
    policy: Policy  # the booking life cycle's rules
    busy: RefreshSettings  # reading therapists' own calendars (its .fetch guards the fetch)
    mail: MailSettings  # rendering outbox rows into mail
    delivery: DeliverySettings  # delivering the outbox (the worker's lease)
    links: Links  # absolute links on BASE_URL
    secret_key: str  # signs feed and account tokens
    retention: Retention  # how long personal data is kept, by how a booking ended

    @classmethod
    def of(cls, app: Flask) -> Settings:
        """Build them from the app's config; needs its URL map complete (blueprints
        registered) and its Jinja environment set up."""
        config = app.config
        links = Links(app.url_map, config["BASE_URL"])
        return cls(
            policy=Policy.from_config(config),
            busy=RefreshSettings.from_config(config),
            mail=MailSettings.from_config(config, links=links, templates=app.jinja_env),
            delivery=DeliverySettings.from_config(config),
            links=links,
            secret_key=config["SECRET_KEY"],
            retention=Retention.from_config(config),
        )


def init_app(app: Flask) -> None:
    """Build the settings once; a changed config takes effect by calling this again."""
    app.extensions[EXTENSION] = Settings.of(app)


def settings_of(app: Flask) -> Settings:
    return cast(Settings, app.extensions[EXTENSION])


def current_settings() -> Settings:
    """The settings of the app handling this request or command."""
    return settings_of(current_app)
