"""Erstgespräch booking service: the application factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel import Locale
from flask import Flask, request, session
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from booking import clock, encryption, logs, settings
from booking.config import data_keys, load_settings
from booking.database import configure_sqlite, pin_read_committed, ping_after_idle
from booking.extensions import babel, csrf, db, limiter, login, migrate
from booking.web import errors, presenting, requests, security, static_files
from booking.web.api import is_api_request
from booking.web.feeds.lane import FeedPollLane
from booking.web.sessions import SessionOnlyWithCookie

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("de", "en")
LOCALE_OBJECTS = {name: Locale.parse(name) for name in LOCALES}
# Where the language choice is remembered in the session: the signed-in areas, which
# have one anyway. Visitor pages set no cookie; their links carry ?lang= instead.
REMEMBERS_LANGUAGE = frozenset({"workspace", "admin"})


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides the settings read from the environment
    (tests pass a database URL, a secret and a fixed clock under "CLOCK")."""
    config = dict(config or {})
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_relative_config=True,
    )
    app.config.update(load_settings(app.instance_path, overrides=config))
    app.config.update(config)
    app.session_interface = SessionOnlyWithCookie()
    if hops := app.config["TRUSTED_PROXY_HOPS"]:
        # Flask's documented way to wrap the WSGI app; mypy refuses any assignment to a
        # method, and setattr would only hide the same thing from it.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_extensions(app, config.get("CLOCK"))
    logs.init_app(app)
    requests.init_app(app)
    security.init_app(app)
    static_files.init_app(app)
    _register_blueprints(app)
    settings.init_app(app)  # after the blueprints: its link builder needs their routes
    # Calendar programs' polls of the feeds skip Flask's pipeline (see the lane).
    app.wsgi_app = FeedPollLane(app, app.wsgi_app)  # type: ignore[method-assign]
    from booking.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask, fixed_clock: clock.FixedClock | None) -> None:
    clock.init_app(app, fixed_clock)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        if db.engine.dialect.name == "postgresql":
            pin_read_committed(db.engine)
        ping_after_idle(db.engine)
        encryption.bind(db.engine, data_keys(app.config["DATA_KEY"],
                                             app.config["DATA_KEY_PREVIOUS"]))
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    presenting.init_app(app)
    errors.init_app(app)
    limiter.init_app(app)

    from booking.models import Therapist

    login.login_view = "workspace.sign_in"
    login.login_message = None  # the sign-in page says what it is for

    @login.user_loader
    def load_therapist(session_id: str) -> Therapist | None:
        """The signed-in therapist, if the session's version is still current."""
        therapist_id, _, version = session_id.partition(":")
        if not (therapist_id.isdigit() and version.isdigit()):
            return None
        therapist = db.session.get(Therapist, int(therapist_id))
        if therapist is None or not therapist.active:
            return None
        return therapist if therapist.session_version == int(version) else None


def _register_blueprints(app: Flask) -> None:
    from booking.web.admin import bp as admin
    from booking.web.api import bp as api
    from booking.web.embed import bp as embed
    from booking.web.feeds import bp as feeds
    from booking.web.health import bp as health
    from booking.web.look import bp as look
    from booking.web.public import bp as public
    from booking.web.workspace import bp as workspace

    app.register_blueprint(public)
    app.register_blueprint(feeds)
    app.register_blueprint(workspace)
    app.register_blueprint(admin)
    app.register_blueprint(health)
    app.register_blueprint(embed)
    app.register_blueprint(api)
    app.register_blueprint(look)


def select_locale() -> Locale:
    """The page's language: ?lang=, else (in the workspace) the one chosen before,
    else the browser's, else German. The API sets no cookie and takes no ?lang=: it
    goes by Accept-Language alone. As one of the parsed LOCALE_OBJECTS: Flask-Babel
    takes a Locale as it is, where it would parse a name afresh on every request."""
    return LOCALE_OBJECTS[_language()]


def _language() -> str:
    if is_api_request():
        return request.accept_languages.best_match(LOCALES) or "de"
    asked = request.args.get("lang")
    remembers = request.blueprint in REMEMBERS_LANGUAGE
    if asked in LOCALES:
        if remembers:
            session["lang"] = asked
        return asked
    remembered = session.get("lang") if remembers else None
    if remembered not in LOCALES:
        remembered = None
    return remembered or request.accept_languages.best_match(LOCALES) or "de"


__all__ = ["create_app"]
