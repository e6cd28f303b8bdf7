"""The practice's legal texts: what the admin saved, and what a page shows without it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from booking.errors import InvalidInput
from booking.extensions import db
from booking.legal import starter
from booking.legal.facts import LANGUAGES, LegalFacts
from booking.models import BookingRules, LegalKind, LegalText, Therapist, WebhookEndpoint
from booking.services import practice
from booking.services.practice import PracticeDetails
from booking.transactions import unit_of_work

MAX_LENGTH = 50_000  # characters of Markdown; the longest real notice is a fifth of it


@dataclass(frozen=True)
class Shown:
    """The text a legal page shows: the saved one, or the starter template."""

    source: str
    language: str  # the language the text is in (it may not be the page's)
    saved: LegalText | None  # None: the starter template, not filled in yet

    @property
    def is_template(self) -> bool:
        return self.saved is None


def saved_texts() -> dict[tuple[LegalKind, str], LegalText]:
    """Every saved text, by kind and language."""
    return {(text.kind, text.language): text
            for text in db.session.scalars(select(LegalText))}


def shown_text(kind: LegalKind, language: str) -> Shown:
    """What the page of `kind` shows in `language`: the text saved in that language;
    else the one saved in the other language (a notice the practice wrote in one
    language only still binds it); else the starter template in `language`."""
    saved = saved_texts()
    for candidate in (language, *(other for other in LANGUAGES if other != language)):
        if (text := saved.get((kind, candidate))) is not None:
            return Shown(text.source, candidate, text)
    return Shown(starter(kind.value, language), language, None)


def editable_source(kind: LegalKind, language: str) -> str:
    """What the editor starts from: the saved text, or the starter template."""
    text = saved_texts().get((kind, language))
    return text.source if text is not None else starter(kind.value, language)


def save_legal_texts(kind: LegalKind, sources: Mapping[str, str], *, by_id: int,
                     now: datetime) -> list[str]:
    """Save the text of `kind` in each language of `sources` (language -> Markdown);
    returns the languages that changed. A text left exactly as the starter template
    is not saved, so the page keeps saying it is one. InvalidInput (with the
    language as its field) for an empty or overlong text or an unknown language;
    then nothing is saved."""
    for language, source in sources.items():
        if language not in LANGUAGES:
            raise InvalidInput(language, "unknown language")
        if not source.strip():
            raise InvalidInput(language, "empty")
        if len(source) > MAX_LENGTH:
            raise InvalidInput(language, "too long")
    try:
        return _save(kind, sources, by_id, now)
    except IntegrityError:
        # Another admin saved the first text of this kind and language at the same
        # moment: their row exists now, and this save updates it, as any later one would.
        return _save(kind, sources, by_id, now)


def _save(kind: LegalKind, sources: Mapping[str, str], by_id: int,
          now: datetime) -> list[str]:
    changed = []
    # Immediate: on SQLite one writer at a time reads and writes (the constraint
    # guards PostgreSQL, and the retry above answers it).
    with unit_of_work(immediate=True):
        saved = saved_texts()
        for language, source in sources.items():
            source = _normalised(source)
            text = saved.get((kind, language))
            if text is None and source == _normalised(starter(kind.value, language)):
                continue
            if text is not None and text.source == source:
                continue
            if text is None:
                text = LegalText(kind=kind, language=language)
                db.session.add(text)
            text.source, text.updated_at, text.updated_by_id = source, now, by_id
            changed.append(language)
    return changed


def current_facts(config: Mapping[str, Any]) -> LegalFacts:
    """The facts the pages fill in, from the settings and from what the team set up:
    the hosts of the meeting rooms the active therapists use (their own, or the
    practice's default for those without) and of the webhook receivers that get client
    details (hosts only: a full address may hold a secret)."""
    details = practice.details(PracticeDetails.from_config(config))
    receivers = db.session.scalars(
        select(WebhookEndpoint.url).where(WebhookEndpoint.include_client_details))
    return LegalFacts.of(config, practice=details,
                         video_hosts=_hosts(_meeting_templates_in_use(details.meeting_url)),
                         webhook_hosts=_hosts(receivers))


def _meeting_templates_in_use(practice_default: str) -> list[str]:
    """The meeting-link templates of the active therapists: their own, and the
    practice's default when one of them sets none (Therapist.meeting_template)."""
    own = BookingRules.meeting_url
    templates = list(db.session.scalars(
        select(own).join(Therapist).where(Therapist.active, own != "")))
    relies_on_default = select(Therapist.id).outerjoin(BookingRules).where(
        Therapist.active, or_(own == "", own.is_(None))).exists()
    if practice_default and db.session.scalar(select(relies_on_default)):
        templates.append(practice_default)
    return templates


def _hosts(urls: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({host for url in urls if (host := urlsplit(url).hostname)}))


def _normalised(source: str) -> str:
    # Browsers send a textarea's lines with CRLF; the stored text uses LF only.
    return source.replace("\r\n", "\n").rstrip() + "\n"
