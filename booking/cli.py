"""The `booking` command: Flask's CLI (run, routes, db …) plus the practice's own commands."""

from __future__ import annotations

import threading
from collections import Counter

import click
import flask.cli as flask_cli
from flask import Flask, current_app
from flask.cli import FlaskGroup
from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from booking import clock, worker
from booking.busy.fetch import host_of
from booking.config import ConfigError, is_loopback
from booking.encryption import DataKeyError
from booking.errors import BookingError
from booking.extensions import db
from booking.mail.transports import without_password
from booking.models import FeedScope, Therapist
from booking.services import (
    accounts,
    busy_calendars,
    data_keys,
    delivery,
    demo,
    erasure,
    feeds,
    privacy_export,
    team,
)
from booking.settings import current_settings
from booking.web.limits import forget_rate_counters


def main() -> None:
    from booking import create_app

    group = FlaskGroup(create_app=create_app, add_default_commands=False,
                       help="The Erstgespräch booking service.")
    group.add_command(run_command)
    group.add_command(flask_cli.routes_command)
    group.add_command(flask_cli.shell_command)
    try:
        group.main()
    except ConfigError as error:  # one line for the operator, not a traceback
        click.echo(f"booking: {error}", err=True)
        raise SystemExit(2) from None
    except (OperationalError, ProgrammingError) as error:
        click.echo(f"booking: the database cannot be used ({type(error.orig).__name__}): "
                   "is DATABASE_URL right, and has `booking db upgrade` run?", err=True)
        raise SystemExit(2) from None


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_therapist_command)
    app.cli.add_command(about_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(requeue_command)
    app.cli.add_command(feed_url_command)
    app.cli.add_command(invite_therapist_command)
    app.cli.add_command(busy_calendar_group)
    app.cli.add_command(privacy_group)


@click.command("run", params=flask_cli.run_command.params,
               help="Run the development server. On the embedded default (mail to files, "
                    "loopback address) it also delivers due mail every few seconds.")
@click.pass_context
def run_command(ctx: click.Context, **options: object) -> None:
    app = ctx.ensure_object(flask_cli.ScriptInfo).load_app()
    if _delivers_itself(app) and not options.get("reload"):
        worker.start_in_background(app)
        click.echo(f"Delivering mail to {app.config['MAIL_URL']} every 2 seconds.")
    ctx.invoke(flask_cli.run_command, **options)


def _delivers_itself(app: Flask) -> bool:
    return app.config["MAIL_URL"].startswith("file://") and is_loopback(app.config["BASE_URL"])


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@flask_cli.pass_script_info
def worker_command(script_info: flask_cli.ScriptInfo, once: bool, interval: float) -> None:
    """Deliver the outbox (mail), expire lapsed reservations, read due busy calendars."""
    # The app itself, not the current_app proxy: the worker hands it to its threads.
    # It is the one whose context this command runs in (loaded once, then cached).
    app = script_info.load_app()
    try:  # a wrong DATA_KEY stops the worker here, not at the first mail it renders
        data_keys.check_data_key()
    except DataKeyError as error:
        raise click.ClickException(str(error)) from None
    if once:
        click.echo(f"Handled {worker.drain(app)} bookings, messages and calendars.")
        return
    worker.loop(app, interval=interval, stop=threading.Event())


@click.command("requeue-failed")
@click.argument("message_ids", nargs=-1, type=int)
def requeue_command(message_ids: tuple[int, ...]) -> None:
    """Queue messages that gave up (all, or the ids given) for delivery again."""
    count = delivery.requeue_failed(clock.utcnow(), list(message_ids) or None)
    click.echo(f"Queued {count} message(s) again.")


def _fail_cleanly(error: BookingError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(str(error))


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when there is no therapist yet.")
def seed_demo_command(if_empty: bool) -> None:
    """Create the demo practice (safe to run again)."""
    if not is_loopback(current_app.config["BASE_URL"]):
        raise click.ClickException(
            "refusing to seed demo logins into a service reachable by others "
            f"(BASE_URL is {current_app.config['BASE_URL']})"
        )
    if if_empty and not demo.is_empty():
        click.echo("The database has therapists already; no demo data added.")
        return
    try:
        created = demo.seed_demo(clock.utcnow())
    except BookingError as error:
        raise _fail_cleanly(error) from error
    click.echo("Created: " + ", ".join(created) if created else "Demo data was complete already.")


@click.command("create-therapist")
@click.option("--email", required=True, help="Sign-in and contact address.")
@click.option("--name", required=True, help='Display name, e.g. "Dr. Anna Berger".')
@click.option("--admin", is_flag=True, help="May manage the team and see reports.")
@click.option("--timezone", "zone", default="Europe/Berlin", show_default=True,
              help="IANA time zone of the working hours.")
@click.option("--languages", default="de", show_default=True,
              help="Languages spoken, comma-separated (de, en).")
@click.password_option(help="Asked for on a prompt; never give it on the command line.",
                       prompt="Password (at least 10 characters)")
def create_therapist_command(email: str, name: str, admin: bool, zone: str, languages: str,
                             password: str) -> None:
    """Add a therapist (or, with --admin, an administrator)."""
    try:
        therapist = team.create_therapist(
            email=email, name=name, password=password, admin=admin, timezone=zone,
            languages=[lang.strip() for lang in languages.split(",") if lang.strip()],
            now=clock.utcnow(),
        )
    except BookingError as error:
        raise _fail_cleanly(error) from error
    role = "administrator" if therapist.is_admin else "therapist"
    click.echo(f"Created {role} {therapist.display_name} <{therapist.email}> "
               f"(/{therapist.slug}). Working hours are still empty.")


@click.command("invite-therapist")
@click.option("--email", required=True, help="Sign-in and contact address.")
@click.option("--name", required=True, help='Display name, e.g. "Dr. Anna Berger".')
@click.option("--admin", is_flag=True, help="May manage the team and see reports.")
@click.option("--languages", default="de", show_default=True,
              help="Languages spoken, comma-separated (de, en).")
def invite_therapist_command(email: str, name: str, admin: bool, languages: str) -> None:
    """Add a therapist and mail them a link (valid 7 days) to set their own password."""
    try:
        therapist = accounts.invite_therapist(
            email=email, name=name, admin=admin, now=clock.utcnow(),
            languages=[lang.strip() for lang in languages.split(",") if lang.strip()])
    except BookingError as error:
        raise _fail_cleanly(error) from error
    click.echo(f"Invited {therapist.display_name} <{therapist.email}>; the worker sends "
               "the invitation.")


@click.command("about")
def about_command() -> None:
    """Say where the service is, how to sign in to the demo, and where mail goes."""
    config = current_app.config
    base = config["BASE_URL"]
    if config["DEMO_ARTICLE"]:
        click.echo(f"Demo article:   {base}/demo/article  (start here: an article with "
                   "its booking buttons)")
    click.echo(f"Booking page:   {base}/book?source=getting-him-back")
    click.echo(f"Workspace:      {base}/workspace/")
    if demo.has_demo_login():
        click.echo(f"Demo sign-in:   {demo.DEMO_LOGIN} / {demo.DEMO_PASSWORD}")
    click.echo(f"Outgoing mail:  {without_password(config['MAIL_URL'])}")
    click.echo(f"Database:       {db.engine.url.render_as_string(hide_password=True)}")


@click.command("feed-url")
@click.argument("email", required=False)
@click.option("--practice", is_flag=True, help="The practice-wide feed (for admins).")
@click.option("--rotate", is_flag=True, help="Make a new address; the old one stops working.")
def feed_url_command(email: str | None, practice: bool, rotate: bool) -> None:
    """Print a therapist's (or the practice's) secret calendar feed address."""
    if practice == bool(email):
        raise click.UsageError("give a therapist's EMAIL or --practice")
    therapist_id = None
    if email:
        therapist = db.session.scalar(select(Therapist).where(
            Therapist.email == email.strip().lower()))
        if therapist is None:
            raise click.ClickException(f"no therapist with email {email}")
        therapist_id = therapist.id
    scope = FeedScope.PRACTICE if practice else FeedScope.THERAPIST
    make = feeds.rotate if rotate else feeds.current_token
    settings = current_settings()
    token = make(therapist_id=therapist_id, scope=scope, secret_key=settings.secret_key,
                 now=clock.utcnow())
    https = settings.links.url("feeds.feed", token=token)
    click.echo(https)
    click.echo("webcal://" + https.split("://", 1)[1])


@click.group("busy-calendar")
def busy_calendar_group() -> None:
    """A therapist's own calendars (iCalendar addresses), read as busy time.

    An address is a secret: it is stored, but shown only by its host.
    """


@busy_calendar_group.command("add")
@click.argument("email")
@click.argument("url")
@click.option("--label", default="", help='A name to tell calendars apart, e.g. "Privat".')
def busy_calendar_add_command(email: str, url: str, label: str) -> None:
    """Add the calendar at URL (its "secret address in iCal format"; webcal:// works)
    to the therapist signing in with EMAIL, and read it once."""
    settings = current_settings().busy
    now = clock.utcnow()
    try:
        therapist = busy_calendars.find_therapist(email)
        calendar = busy_calendars.add_busy_calendar(therapist.id, url, now=now,
                                                    policy=settings.fetch, label=label)
    except BookingError as error:
        raise _fail_cleanly(error) from error
    click.echo(f"Added busy calendar #{calendar.id} ({host_of(calendar.url)}) "
               f"for {therapist.email}.")
    _echo_refreshed(busy_calendars.refresh_calendar(calendar.id, now=now, settings=settings))


@busy_calendar_group.command("list")
@click.argument("email")
def busy_calendar_list_command(email: str) -> None:
    """List the calendars of the therapist signing in with EMAIL."""
    try:
        therapist = busy_calendars.find_therapist(email)
    except BookingError as error:
        raise _fail_cleanly(error) from error
    calendars = busy_calendars.busy_calendars_of(therapist.id)
    if not calendars:
        click.echo(f"{therapist.email} has no busy calendars.")
    for calendar in calendars:
        read = (f"{calendar.last_success_at:%Y-%m-%d %H:%M} UTC"
                if calendar.last_success_at else "never")
        line = (f"#{calendar.id}  {calendar.label or '-'}  {host_of(calendar.url)}  "
                f"last read: {read}")
        click.echo(line + (f"  last error: {calendar.last_error}" if calendar.last_error else ""))


@busy_calendar_group.command("remove")
@click.argument("email")
@click.argument("calendar_id", metavar="ID", type=int)
def busy_calendar_remove_command(email: str, calendar_id: int) -> None:
    """Remove calendar ID of the therapist signing in with EMAIL, and its busy time."""
    try:
        therapist = busy_calendars.find_therapist(email)
        busy_calendars.remove_busy_calendar(therapist.id, calendar_id)
    except BookingError as error:
        raise _fail_cleanly(error) from error
    click.echo(f"Removed busy calendar #{calendar_id} of {therapist.email}.")


@busy_calendar_group.command("refresh")
@click.argument("email", required=False)
def busy_calendar_refresh_command(email: str | None) -> None:
    """Read all calendars now (or those of the therapist signing in with EMAIL),
    due or not."""
    settings = current_settings().busy
    try:
        therapist_id = busy_calendars.find_therapist(email).id if email else None
    except BookingError as error:
        raise _fail_cleanly(error) from error
    results = busy_calendars.refresh_all(now=clock.utcnow(), settings=settings,
                                         therapist_id=therapist_id)
    for refreshed in results:
        _echo_refreshed(refreshed)
    if not results:
        click.echo("No busy calendars to read.")


def _echo_refreshed(refreshed: busy_calendars.Refreshed) -> None:
    outcome = {
        busy_calendars.Outcome.UPDATED: f"read, {refreshed.intervals} busy interval(s)",
        busy_calendars.Outcome.UNCHANGED: "not modified since the last read",
        busy_calendars.Outcome.FAILED: f"not read: {refreshed.error} "
                                       "(the last good busy times stay in use)",
        busy_calendars.Outcome.GONE: "removed meanwhile",
    }[refreshed.outcome]
    click.echo(f"#{refreshed.calendar_id}: {outcome}")


@click.group("privacy")
def privacy_group() -> None:
    """Clients' personal data: a copy for them, erasure, retention, encryption at rest."""


@privacy_group.command("export")
@click.argument("email")
@click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True,
              help="Language of the summary.")
def privacy_export_command(email: str, lang: str) -> None:
    """Print everything stored about the person behind EMAIL as JSON (GDPR Art. 15, 20)."""
    try:
        document = privacy_export.export_person(email, now=clock.utcnow(), locale=lang)
    except BookingError as error:
        raise _fail_cleanly(error) from error
    if document is None:
        click.echo(f"Nothing is stored about {email}.", err=True)
        return
    click.echo(privacy_export.to_json(document), nl=False)


@privacy_group.command("erase")
@click.argument("email")
def privacy_erase_command(email: str) -> None:
    """Delete the personal data of every booking of the person behind EMAIL, as the
    admin's erase does. Upcoming bookings are cancelled first, with the usual mails;
    run the command again once the worker has sent them, to delete those too."""
    try:
        result = erasure.erase_person(email, now=clock.utcnow())
    except BookingError as error:
        raise _fail_cleanly(error) from error
    forget_rate_counters(result.email_keys)
    click.echo(f"Erased {len(result.erased)} booking(s)"
               + (f": {', '.join(f'#{i}' for i in result.erased)}." if result.erased else "."))
    if result.cancelled:
        click.echo(f"Cancelled {len(result.cancelled)} upcoming booking(s) first: "
                   f"{', '.join(f'#{i}' for i in result.cancelled)}; the client is told.")
    if result.partner_in:
        click.echo(f"Removed them as partner from {len(result.partner_in)} booking(s) of "
                   f"others: {', '.join(f'#{i}' for i in result.partner_in)}.")
    if result.waiting:
        click.echo(f"{len(result.waiting)} booking(s) keep their data until the cancellation "
                   "mail is sent: run this command again after the worker's next round.")


@privacy_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Only show what would be erased.")
def privacy_purge_command(dry_run: bool) -> None:
    """Erase the personal data the retention periods no longer allow to keep
    (RETENTION_UNCONFIRMED_DAYS, RETENTION_CANCELLED_DAYS, RETENTION_DAYS)."""
    retention = current_settings().retention
    now = clock.utcnow()
    due = erasure.due_for_erasure(now, retention=retention)
    if dry_run:
        by_status = Counter(item.status.value for item in due)
        click.echo(f"{len(due)} booking(s) would be erased"
                   + (": " + ", ".join(f"{n} {s}" for s, n in sorted(by_status.items()))
                      if due else "."))
        for item in due:
            click.echo(f"#{item.booking_id}  {item.status.value:<9}  "
                       f"{item.start_utc:%Y-%m-%d %H:%M} UTC  "
                       f"last change {item.updated_at:%Y-%m-%d}")
        return
    total = 0
    while erased := erasure.erase_old(now, retention=retention):
        total += erased
    click.echo(f"Erased the personal data of {total} booking(s).")


@privacy_group.command("rotate-key")
def privacy_rotate_key_command() -> None:
    """Re-encrypt stored messages and notes with DATA_KEY.

    Set the new key as DATA_KEY and the old one as DATA_KEY_PREVIOUS (on every host,
    and restart), run this, then remove DATA_KEY_PREVIOUS.
    """
    try:
        count = data_keys.rotate_data_key()
    except DataKeyError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Re-encrypted {count} value(s) with DATA_KEY "
               f"({data_keys.bound_keyring().current_id}); DATA_KEY_PREVIOUS is no longer "
               "needed.")
