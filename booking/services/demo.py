"""Demo data for a newcomer's first `make run`: a small practice that can be booked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import func, select

from booking.extensions import db
from booking.models import FIRST_SESSION_SLUG, SessionType, Therapist, WorkingHours
from booking.services.team import ensure_first_session_type, new_therapist
from booking.transactions import unit_of_work

DEMO_LOGIN = "demo@praxis.example"
DEMO_PASSWORD = "demo-erstgespraech"

# Weekday hours with a lunch gap, in the therapists' local time (Europe/Berlin).
_WEEKDAY_HOURS = ((time(9, 0), time(12, 30)), (time(13, 30), time(17, 0)))

@dataclass(frozen=True)
class _Member:
    email: str
    name: str
    title: str
    bio: str
    title_en: str
    bio_en: str
    languages: list[str]
    admin: bool


_TEAM = (
    _Member(
        email=DEMO_LOGIN,
        name="Dr. Anna Berger",
        title="Psychologische Psychotherapeutin",
        bio="Paar- und Einzelberatung, Schwerpunkt Trennung und Neuanfang.",
        title_en="Psychological psychotherapist",
        bio_en="Couples and individual counselling, focus on separation and new starts.",
        languages=["de", "en"],
        admin=True,
    ),
    _Member(
        email="jonas.hartmann@praxis.example",
        name="Jonas Hartmann",
        title="M.Sc. Psychologe",
        bio="Beziehungsthemen, Kommunikation in der Partnerschaft.",
        title_en="M.Sc. Psychologist (sessions in German)",
        bio_en="Relationship questions, communication between partners.",
        languages=["de"],
        admin=False,
    ),
    _Member(
        email="emily.carter@praxis.example",
        name="Emily Carter",
        title="M.Sc. Psychologin",
        bio="Paarberatung auf Englisch für internationale Paare.",
        title_en="M.Sc. Psychologist",
        bio_en="Couples counselling in English for international couples.",
        languages=["en", "de"],
        admin=False,
    ),
)


def is_empty() -> bool:
    return db.session.scalar(select(func.count()).select_from(Therapist)) == 0


def demo_therapist() -> Therapist | None:
    return db.session.scalar(select(Therapist).where(Therapist.email == DEMO_LOGIN))


def has_demo_login() -> bool:
    return db.session.scalar(select(Therapist.id).where(Therapist.email == DEMO_LOGIN)) is not None


def seed_demo(now: datetime) -> list[str]:
    """Create what is missing of the demo practice; return what was created.

    Safe to run again: existing therapists and session types are left as they are.
    """
    created = []
    with unit_of_work():
        if _first_session_type() is None:
            ensure_first_session_type()
            created.append(f"session type {FIRST_SESSION_SLUG}")
        for member in _TEAM:
            if db.session.scalar(select(Therapist).where(Therapist.email == member.email)):
                continue
            therapist = new_therapist(
                email=member.email, name=member.name, password=DEMO_PASSWORD, now=now,
                admin=member.admin, languages=member.languages, title=member.title,
                bio=member.bio)
            therapist.title_en, therapist.bio_en = member.title_en, member.bio_en
            _add_weekday_hours(therapist)
            created.append(f"therapist {therapist.email}")
    return created


def _first_session_type() -> SessionType | None:
    return db.session.scalar(select(SessionType).where(SessionType.slug == FIRST_SESSION_SLUG))


def _add_weekday_hours(therapist: Therapist) -> None:
    if therapist.rules is None:  # new_therapist always writes them
        raise RuntimeError(f"demo therapist {therapist.email} has no booking rules")
    therapist.rules.meeting_url = f"https://meet.example/{therapist.slug}-{{room}}"
    for weekday in range(5):
        for start, end in _WEEKDAY_HOURS:
            therapist.working_hours.append(
                WorkingHours(weekday=weekday, start_time=start, end_time=end)
            )
