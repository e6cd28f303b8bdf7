"""Settings from the environment, in one place (12-factor).

The embedded defaults let `make run` work on a bare machine: SQLite and
mail files in `instance/`, a secret key and a data key generated once into
`instance/`. A deployment that others can reach (any BASE_URL that is not
loopback) must set SECRET_KEY and DATA_KEY itself; the app refuses to start
without them.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from booking.encryption import Keyring, new_key
from booking.mail.transports import transport_from_url
from booking.public_holidays import STATES

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
MIN_SECRET_LENGTH = 32  # what `secrets.token_urlsafe(48)` gives is 64


class ConfigError(RuntimeError):
    """The environment does not describe a service that can start."""


def load_settings(instance_path: str, environ: Mapping[str, str] | None = None,
                  overrides: Mapping[str, object] | None = None) -> dict:
    """Return the Flask config for this environment, applying the embedded defaults.

    Keys in `overrides` are taken as given; only the others are derived (so a
    test that passes its own SECRET_KEY writes nothing into instance/).
    """
    env = os.environ if environ is None else environ
    overrides = overrides or {}
    if env.get("BOOKING_ENV") == "production":
        refuse_unsafe_production(env)
    instance = Path(instance_path)
    base_url = str(overrides.get("BASE_URL") or env.get("BASE_URL", DEFAULT_BASE_URL)).rstrip("/")
    key = overrides.get("SECRET_KEY") or secret_key(env.get("SECRET_KEY"), base_url, instance)
    data_key_value = str(overrides.get("DATA_KEY") or data_key(env.get("DATA_KEY"), base_url,
                                                               instance))
    previous_keys = str(overrides.get("DATA_KEY_PREVIOUS") or env.get("DATA_KEY_PREVIOUS", ""))
    data_keys(data_key_value, previous_keys)  # a malformed key stops the start here
    return {
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance),
        "SECRET_KEY": key,
        # Encrypts free text at rest (booking.encryption); the previous keys, comma-
        # separated, still decrypt while `booking privacy rotate-key` re-encrypts.
        "DATA_KEY": data_key_value,
        "DATA_KEY_PREVIOUS": previous_keys,
        "BASE_URL": base_url,
        "PREFERRED_URL_SCHEME": urlsplit(base_url).scheme or "http",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        # __Host-: the browser keeps it only if Secure, Path=/ and without Domain.
        "SESSION_COOKIE_NAME": "__Host-session" if base_url.startswith("https://") else "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "MAIL_URL": mail_url(env.get("MAIL_URL") or f"file://{instance / 'mail'}"),
        "MAIL_SENDER": env.get("MAIL_SENDER", "Praxis <praxis@praxis.example>"),
        "MAIL_REPLY_TO": env.get("MAIL_REPLY_TO", ""),
        # hide_parameters: a database error in a log must not quote a client's details.
        # Idle connections are checked before use (database.ping_after_idle).
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        # "json" lines for a log collector, "text" for a terminal, "none" leaves logging
        # to whoever embeds the app.
        "LOG_FORMAT": env.get("LOG_FORMAT") or (
            "json" if env.get("BOOKING_ENV") == "production" else "text"),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        # Redis down: keep serving, with each process counting on its own until it is
        # back (Flask-Limiter logs the switch once); never wait long for it.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        if env.get("REDIS_URL") else {},
        # How many reverse proxies stand before the app and set X-Forwarded-For:
        # rate limits need the visitor's address, not the proxy's.
        "TRUSTED_PROXY_HOPS": int(env.get("TRUSTED_PROXY_HOPS", 0)),
        "BOOKING_HOLD_MINUTES": int(env.get("BOOKING_HOLD_MINUTES", 30)),
        # How long a worker holds a message it is sending before another worker may
        # take it: longer than a batch can take (20 messages × the SMTP timeout).
        "OUTBOX_LEASE_SECONDS": positive_seconds(
            "OUTBOX_LEASE_SECONDS", env.get("OUTBOX_LEASE_SECONDS", "900")),
        "VISITOR_CHANGE_CUTOFF_HOURS": int(env.get("VISITOR_CHANGE_CUTOFF_HOURS", 24)),
        "REMINDER_HOURS_BEFORE": int(env.get("REMINDER_HOURS_BEFORE", 24)),
        # A booking's personal data is erased this many days after its time (and its
        # last change) have passed; 0 keeps it until an admin erases it.
        "RETENTION_DAYS": days("RETENTION_DAYS", env.get("RETENTION_DAYS", "365")),
        # Shorter for what never became a session: a request never confirmed, counted
        # from when its hold lapsed, and a cancelled booking, from the cancellation.
        "RETENTION_UNCONFIRMED_DAYS": days("RETENTION_UNCONFIRMED_DAYS",
                                           env.get("RETENTION_UNCONFIRMED_DAYS", "7")),
        "RETENTION_CANCELLED_DAYS": days("RETENTION_CANCELLED_DAYS",
                                         env.get("RETENTION_CANCELLED_DAYS", "90")),
        "PRACTICE_NAME": env.get("PRACTICE_NAME", "Praxis für Paarberatung"),
        "PRACTICE_PHONE": env.get("PRACTICE_PHONE", ""),
        "PRACTICE_EMAIL": env.get("PRACTICE_EMAIL", "praxis@praxis.example"),
        # At least a minute: a calendar read more often gains nothing and `drain` would
        # never run out of due calendars.
        "BUSY_REFRESH_MINUTES": max(1, int(env.get("BUSY_REFRESH_MINUTES", 10))),
        "BUSY_FETCH_TIMEOUT_SECONDS": float(env.get("BUSY_FETCH_TIMEOUT_SECONDS", 10)),
        "BUSY_MAX_BYTES": int(env.get("BUSY_MAX_BYTES", 5 * 1024 * 1024)),
        # Hosts, IPs or CIDRs whose calendars may live in a private network (an
        # in-house Nextcloud); everything else must resolve to a public address.
        "BUSY_ALLOWED_HOSTS": comma_list(env.get("BUSY_ALLOWED_HOSTS", "")),
        # The article sites that may show the booking flow in a frame (embed.js).
        "EMBED_ORIGINS": embed_origins(env.get("EMBED_ORIGINS", "")),
        # /demo/article, the practice's article with the widget, for trying it out.
        "DEMO_ARTICLE": env.get("BOOKING_ENV") != "production",
        # The federal state whose public holidays close the practice (BE = Berlin, BY,
        # NW, ...); empty: no holidays, only the closing days the admin enters.
        "HOLIDAY_STATE": holiday_state(env.get("HOLIDAY_STATE", "BE")),
        "BABEL_DEFAULT_LOCALE": "de",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
    }


def refuse_unsafe_production(env: Mapping[str, str]) -> None:
    """With BOOKING_ENV=production, refuse a start that would run the embedded
    defaults in front of the public: one line that names everything missing."""
    problems = []
    if not env.get("SECRET_KEY"):
        problems.append("SECRET_KEY is not set")
    elif len(env["SECRET_KEY"]) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters")
    if not env.get("DATA_KEY"):
        problems.append("DATA_KEY is not set (it encrypts messages and notes)")
    if not env.get("DATABASE_URL", "").startswith(("postgres://", "postgresql")):
        problems.append("DATABASE_URL must name a PostgreSQL database (not the SQLite default)")
    if not env.get("BASE_URL", "").startswith("https://"):
        problems.append("BASE_URL must be the public https:// address")
    if not env.get("MAIL_URL", "").startswith(("smtp://", "smtps://")):
        problems.append("MAIL_URL must name the SMTP server (mail to files reaches nobody)")
    for name in ("MAIL_SENDER", "PRACTICE_EMAIL"):
        if not env.get(name):
            problems.append(f"{name} is not set (visitors would see a placeholder address)")
    if env.get("FLASK_DEBUG", "").lower() in {"1", "true", "yes", "on"}:
        problems.append("FLASK_DEBUG is on (it would show tracebacks to visitors)")
    if problems:
        raise ConfigError("BOOKING_ENV=production refuses to start: " + "; ".join(problems) + ".")


def mail_url(url: str) -> str:
    """MAIL_URL, checked at start: a wrong one would otherwise only show when the
    first mail is due."""
    try:
        transport_from_url(url)
    except ValueError as error:
        raise ConfigError(f"MAIL_URL: {error}") from None
    return url


def positive_seconds(name: str, value: str) -> float:
    """A duration in seconds, checked at start: more than nothing."""
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if not seconds > 0:
        raise ConfigError(f"{name} must be more than 0 seconds")
    return seconds


def days(name: str, value: str) -> int:
    """A number of days, checked at start: 0 or more (0 switches the rule off)."""
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of days, not {value!r}") from None
    if number < 0:
        raise ConfigError(f"{name} must be 0 (keep) or more days")
    return number


def holiday_state(value: str) -> str:
    """HOLIDAY_STATE, checked at start: a typo would silently open every holiday."""
    value = value.strip()
    if value and value not in STATES:
        raise ConfigError(f"HOLIDAY_STATE: {value!r} is not a German federal state; "
                          f"one of {', '.join(STATES)}, or empty for none")
    return value


def comma_list(value: str) -> tuple[str, ...]:
    """The non-empty, stripped items of a comma-separated setting."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def embed_origins(value: str) -> tuple[str, ...]:
    """EMBED_ORIGINS as origins (scheme, host, port: what frame-ancestors compares),
    checked at start: a path, a wildcard or a missing scheme would silently allow
    nothing, or too much."""
    origins = []
    for item in comma_list(value):
        parts = urlsplit(item)
        if (parts.scheme not in ("http", "https") or not parts.hostname or "*" in item
                or parts.path.strip("/") or parts.query or parts.fragment or parts.username):
            raise ConfigError(f"EMBED_ORIGINS: {item!r} is not an origin such as "
                              "https://www.praxis.example")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


def is_loopback(base_url: str) -> bool:
    """True when BASE_URL names this machine only (the embedded, single-user setup)."""
    return urlsplit(base_url).hostname in LOOPBACK_HOSTS


def database_url(url: str | None, instance: Path) -> str:
    """Normalise DATABASE_URL so that a plain `postgresql://` uses psycopg 3."""
    if not url:
        return f"sqlite:///{instance / 'booking.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key(configured: str | None, base_url: str, instance: Path) -> str:
    """The configured key; on a loopback-only service, one generated once into instance/."""
    if configured:
        return configured
    if not is_loopback(base_url):
        raise ConfigError(
            f"SECRET_KEY is not set, but BASE_URL {base_url} is reachable by others. "
            "Set SECRET_KEY to a long random value (python -c 'import secrets; "
            "print(secrets.token_urlsafe(48))')."
        )
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def data_key(configured: str | None, base_url: str, instance: Path) -> str:
    """DATA_KEY as configured; on a loopback-only service, one generated once into
    instance/ (like SECRET_KEY). Losing it loses every encrypted message and note."""
    if configured:
        return configured
    if not is_loopback(base_url):
        raise ConfigError(
            f"DATA_KEY is not set, but BASE_URL {base_url} is reachable by others. Set "
            "DATA_KEY to 32 random bytes in base64 (python3 -c 'import base64, os; "
            "print(base64.b64encode(os.urandom(32)).decode())') and keep a copy: "
            "messages and notes cannot be read without it.")
    key_file = instance / "data_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(new_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def data_keys(current: str, previous: str) -> Keyring:
    """The keys that encrypt and decrypt free text; ConfigError naming the setting
    that is not a key."""
    try:
        return Keyring.from_config(current, previous)
    except ValueError as error:
        raise ConfigError(str(error)) from None
