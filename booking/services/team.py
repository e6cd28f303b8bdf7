"""The practice's team: adding therapists, editing them, taking them off booking."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from booking import validation
from booking.errors import AlreadyExists, InvalidInput, NotFound
from booking.extensions import db
from booking.models import FIRST_SESSION_SLUG, BookingRules, Role, SessionType, Therapist
from booking.transactions import unit_of_work

MIN_PASSWORD_LENGTH = 10
_GERMAN_LETTERS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def slug_for(name: str) -> str:
    """A URL slug from a display name: "Dr. Jörg Weiß" -> "dr-joerg-weiss"."""
    ascii_name = (
        unicodedata.normalize("NFKD", name.lower().translate(_GERMAN_LETTERS))
        .encode("ascii", "ignore")
        .decode()
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:80]


def create_therapist(*, email: str, name: str, password: str | None, now: datetime,
                     admin: bool = False, timezone: str = "Europe/Berlin",
                     languages: list[str] | None = None, title: str = "", bio: str = "",
                     slug: str | None = None) -> Therapist:
    """Add a therapist with default booking rules and no working hours yet (and,
    with password None, no way to sign in until they set one from an invitation).

    Raises InvalidInput for a malformed value and AlreadyExists when the email
    or slug is taken; in both cases nothing is written.
    """
    with unit_of_work():
        therapist = new_therapist(email=email, name=name, password=password, now=now,
                                  admin=admin, timezone=timezone, languages=languages,
                                  title=title, bio=bio, slug=slug)
        try:
            db.session.flush()
        except IntegrityError as error:  # taken by someone at the same moment
            raise AlreadyExists(f"a therapist with email {therapist.email} or slug "
                                f"{therapist.slug} exists already") from error
    return therapist


def new_therapist(*, email: str, name: str, password: str | None, now: datetime,
                  admin: bool = False, timezone: str = "Europe/Berlin",
                  languages: list[str] | None = None, title: str = "", bio: str = "",
                  slug: str | None = None) -> Therapist:
    """A checked new therapist, added to the session (flush only: the caller's unit
    of work commits it)."""
    therapist = Therapist(
        email=validation.email(email).lower(),
        display_name=_display_name(name),
        slug=validation.slug(slug) if slug else _free_slug(slug_for(name) or "therapist"),
        timezone=validation.timezone(timezone).key,
        languages=validation.languages(languages or ["de"]),
        title=title,
        bio=bio,
        role=Role.ADMIN if admin else Role.THERAPIST,
        active=True,
        created_at=now,
    )
    if password is not None:  # None: invited, sets their own password from a link
        therapist.set_password(checked_password(password))
    therapist.rules = BookingRules(
        buffer_before_minutes=0, buffer_after_minutes=10, minimum_notice_minutes=12 * 60,
        horizon_days=60, slot_step_minutes=60, daily_cap=None, meeting_url="",
    )
    _refuse_taken(therapist.email, therapist.slug)
    db.session.add(therapist)
    ensure_first_session_type()
    return therapist


def ensure_first_session_type() -> SessionType:
    """The free first consultation that the booking pages offer, made with the first
    therapist when the practice has none yet (flush only): a practice set up with
    `booking create-therapist` can take bookings at once."""
    existing = db.session.scalar(select(SessionType).where(
        SessionType.slug == FIRST_SESSION_SLUG))
    if existing is not None:
        return existing
    session_type = SessionType(
        slug=FIRST_SESSION_SLUG, name_de="Kostenfreies Erstgespräch",
        name_en="Free first consultation",
        description_de="50 Minuten online, unverbindlich und kostenfrei.",
        description_en="50 minutes online, free and without obligation.",
        duration_minutes=50, is_free=True, active=True,
    )
    db.session.add(session_type)
    return session_type


def _free_slug(wanted: str) -> str:
    """`wanted`, or with -2, -3, … when a colleague of the same name has it."""
    taken = set(db.session.scalars(select(Therapist.slug).where(
        Therapist.slug.like(f"{wanted[:70]}%"))))
    candidates = [wanted] + [f"{wanted[:70]}-{n}" for n in range(2, len(taken) + 2)]
    return next(c for c in candidates if c not in taken)


def _display_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise InvalidInput("name", "give a name of 1 to 120 characters")
    return name


def checked_password(password: str) -> str:
    """The password if it is long enough, else InvalidInput."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"use at least {MIN_PASSWORD_LENGTH} characters")
    return password


def _refuse_taken(email: str, slug: str) -> None:
    taken = db.session.scalar(
        select(Therapist).where(or_(Therapist.email == email, Therapist.slug == slug))
    )
    if taken is not None:
        what = f"email {email}" if taken.email == email else f"slug {slug}"
        raise AlreadyExists(f"a therapist with {what} exists already")


@dataclass(frozen=True)
class Profile:
    """What an admin can change about a team member."""

    display_name: str
    email: str
    title: str
    bio: str
    timezone: str
    admin: bool
    title_en: str = ""
    bio_en: str = ""


def members() -> list[Therapist]:
    """Everyone on the team, active ones first, by name."""
    return list(db.session.scalars(
        select(Therapist).order_by(Therapist.active.desc(), Therapist.display_name)))


def member(therapist_id: int) -> Therapist:
    therapist = db.session.get(Therapist, therapist_id)
    if therapist is None:
        raise NotFound("no such therapist")
    return therapist


def update_profile(therapist_id: int, profile: Profile, *, acting_id: int) -> Therapist:
    """Change a member's profile. InvalidInput for a malformed value, AlreadyExists for
    an email another member has; nothing is written then. An admin cannot take away
    their own admin role (the practice could end up with nobody to manage it)."""
    with unit_of_work():
        therapist = member(therapist_id)
        email = validation.email(profile.email).lower()
        zone = validation.timezone(profile.timezone).key
        if therapist_id == acting_id and not profile.admin:
            raise InvalidInput("admin", "you cannot take away your own admin role")
        if email != therapist.email and db.session.scalar(
                select(Therapist.id).where(Therapist.email == email)) is not None:
            raise AlreadyExists(f"a therapist with email {email} exists already")
        therapist.display_name = _display_name(profile.display_name)
        therapist.title = profile.title.strip()[:120]
        therapist.title_en = profile.title_en.strip()[:120]
        therapist.bio = profile.bio.strip()[:1000]
        therapist.bio_en = profile.bio_en.strip()[:1000]
        therapist.timezone = zone
        therapist.role = Role.ADMIN if profile.admin else Role.THERAPIST
        if email != therapist.email:
            therapist.email = email
            therapist.end_sessions()  # links and sessions were issued to the old address
    return therapist


def set_active(therapist_id: int, active: bool, *, acting_id: int) -> Therapist:
    """Take a member off booking (or back on). A deactivated member is offered to no
    visitor and cannot sign in; their bookings stay until reassigned or cancelled."""
    with unit_of_work():
        therapist = member(therapist_id)
        if therapist_id == acting_id and not active:
            raise InvalidInput("active", "you cannot deactivate yourself")
        therapist.active = active
        if not active:
            therapist.end_sessions()
    return therapist
