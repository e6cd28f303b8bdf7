"""The one source of "now". Routes and commands read it once per use case
and pass it down; domain code never asks the system clock itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask, current_app


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move (tests, demos)."""

    def __init__(self, now: datetime):
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = now.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def init_app(app: Flask, clock: SystemClock | FixedClock | None = None) -> None:
    app.extensions["booking.clock"] = clock or SystemClock()


def utcnow() -> datetime:
    """Now, from the current app's clock."""
    return current_app.extensions["booking.clock"].now()
