"""The practice's details and look as the admin sets them (name, address, phone,
email, accent colour, logo, the default meeting link), therapists' photos, and the
pictures served from the database. Until an admin saves, the PRACTICE_* settings
stand in for the details."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from booking import colours, images, validation
from booking.errors import InvalidInput, NotFound
from booking.extensions import db
from booking.meeting_links import TemplateProblem, check_template
from booking.models import MediaImage, PracticeProfile, Therapist
from booking.transactions import unit_of_work

NAME_LENGTH, ADDRESS_LENGTH, PHONE_LENGTH = 120, 500, 40


@dataclass(frozen=True)
class PracticeDetails:
    """How the practice is named and looks, on pages and in mails, and where its
    clients meet their therapist online when the therapist gives no link."""

    name: str
    email: str
    phone: str = ""
    address: str = ""
    accent: str = ""  # "#rrggbb", or "" for the stylesheet's own colour
    logo: str | None = None  # a MediaImage name
    # The meeting-link template of therapists without their own ("" for none).
    meeting_url: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PracticeDetails:
        """The PRACTICE_* settings: the details until an admin saves them."""
        return cls(name=config["PRACTICE_NAME"], email=config["PRACTICE_EMAIL"],
                   phone=config["PRACTICE_PHONE"])

    @property
    def theme(self) -> str:
        """The stylesheet with the accent colour, "" without one."""
        return colours.theme_css(self.accent) if self.accent else ""

    @property
    def theme_version(self) -> str:
        """Part of the stylesheet's address: changes with its content."""
        return hashlib.sha256(self.theme.encode()).hexdigest()[:16] if self.accent else ""


def details(defaults: PracticeDetails) -> PracticeDetails:
    """The saved details, or `defaults` (the PRACTICE_* settings) before any are."""
    return saved_details() or defaults


def saved_details() -> PracticeDetails | None:
    """The details as the workspace holds them; None until an admin first saves any
    (details or logo), for callers whose stand-in is not the PRACTICE_* settings."""
    row = db.session.get(PracticeProfile, 1)
    if row is None:
        return None
    return PracticeDetails(name=row.name, email=row.email, phone=row.phone,
                           address=row.address, accent=row.accent, logo=row.logo,
                           meeting_url=row.meeting_url)


def save_details(new: PracticeDetails, *, defaults: PracticeDetails,
                 now: datetime) -> PracticeDetails:
    """Save name, email, phone, address, accent colour and the default meeting-link
    template (the logo stays as it is).

    Raises InvalidInput naming the field (colours.InsufficientContrast for an accent
    that fails WCAG AA, with the ratios; a meeting_links.TemplateProblem code as the
    message for a meeting link that is refused); then nothing is saved."""
    checked = _checked(new)
    with unit_of_work():
        row = _row(defaults, now)
        row.name, row.email, row.phone = checked.name, checked.email, checked.phone
        row.address, row.accent, row.updated_at = checked.address, checked.accent, now
        row.meeting_url = checked.meeting_url
    return details(defaults)


def set_logo(upload: bytes, *, defaults: PracticeDetails, now: datetime) -> str:
    """Clean and store the uploaded logo and show it from now on; its image name.
    images.ImageRefused (an InvalidInput) when the upload is not taken."""
    clean = images.clean_logo(upload)
    with unit_of_work():
        row = _row(defaults, now)
        previous, row.logo, row.updated_at = row.logo, _stored(clean, now), now
        db.session.flush()
        _release(previous)
    return clean.file_name


def remove_logo(*, defaults: PracticeDetails, now: datetime) -> None:
    """Show the practice's name without a logo again."""
    with unit_of_work():
        row = db.session.get(PracticeProfile, 1)
        if row is None or row.logo is None:
            return
        previous, row.logo, row.updated_at = row.logo, None, now
        db.session.flush()
        _release(previous)


def set_photo(therapist_id: int, upload: bytes, *, now: datetime) -> str:
    """Clean, crop and store a therapist's photo, shown instead of their initials; its
    image name. NotFound for an unknown therapist, images.ImageRefused for an upload
    that is not taken."""
    clean = images.clean_photo(upload)
    with unit_of_work():
        therapist = _therapist(therapist_id)
        previous, therapist.photo = therapist.photo, _stored(clean, now)
        db.session.flush()
        _release(previous)
    return clean.file_name


def remove_photo(therapist_id: int) -> None:
    """Show the therapist's initials again; the picture itself is deleted unless
    something else shows the same one."""
    with unit_of_work():
        therapist = _therapist(therapist_id)
        previous, therapist.photo = therapist.photo, None
        db.session.flush()
        _release(previous)


def image(name: str) -> MediaImage | None:
    """A stored picture with its bytes, by name ("<sha256>.<ext>")."""
    return db.session.get(MediaImage, name)


def mail_logo(name: str) -> images.MailLogo | None:
    """The stored logo `name` as mails carry it (images.mail_logo); None when it is gone."""
    try:
        return _scaled_for_mail(name)
    except LookupError:
        return None


# A logo's name is its content's hash: what a name stands for never changes, and a new
# logo has a new name. So each process scales each logo once and reads its bytes once,
# not for every mail; two entries cover a logo replaced during a round.
@functools.lru_cache(maxsize=2)
def _scaled_for_mail(name: str) -> images.MailLogo:
    stored = image(name)
    if stored is None:
        raise LookupError(name)  # raised, not returned: lru_cache keeps no exceptions
    return images.mail_logo(stored.data)


def _checked(new: PracticeDetails) -> PracticeDetails:
    name, address, phone = new.name.strip(), new.address.strip(), new.phone.strip()
    if not name or len(name) > NAME_LENGTH:
        raise InvalidInput("name", f"a name of 1 to {NAME_LENGTH} characters")
    if len(address) > ADDRESS_LENGTH:
        raise InvalidInput("address", f"at most {ADDRESS_LENGTH} characters")
    if len(phone) > PHONE_LENGTH or any(not (c.isdigit() or c in " +-/()") for c in phone):
        raise InvalidInput("phone", "digits, spaces and + - / ( ) only")
    accent = colours.accessible_accent(new.accent).colour if new.accent.strip() else ""
    try:
        meeting_url = check_template(new.meeting_url)
    except TemplateProblem as problem:
        raise InvalidInput("meeting_url", problem.code) from None
    return replace(new, name=name, address=address, phone=phone,
                   email=validation.email(new.email), accent=accent, meeting_url=meeting_url)


def _row(defaults: PracticeDetails, now: datetime) -> PracticeProfile:
    """The practice's row, made from the settings the first time anything is saved."""
    row = db.session.get(PracticeProfile, 1)
    if row is None:
        row = PracticeProfile(id=1, name=defaults.name, email=defaults.email,
                              phone=defaults.phone, address=defaults.address, accent="",
                              updated_at=now)
        db.session.add(row)
    return row


def _stored(clean: images.CleanImage, now: datetime) -> str:
    """The picture's name, stored unless the same bytes are stored already."""
    if db.session.get(MediaImage, clean.file_name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(MediaImage(name=clean.file_name, sha256=clean.sha256,
                                          content_type=clean.content_type, width=clean.width,
                                          height=clean.height, data=clean.data,
                                          created_at=now))
        except IntegrityError:
            pass  # the same bytes, stored by another upload at the same moment
    return clean.file_name


def _release(name: str | None) -> None:
    """Delete a picture nothing shows any more (a replaced photo is personal data)."""
    if name is None:
        return
    used = db.session.scalar(select(Therapist.id).where(Therapist.photo == name).limit(1))
    used = used or db.session.scalar(
        select(PracticeProfile.id).where(PracticeProfile.logo == name))
    if used is None:
        db.session.execute(db.delete(MediaImage).where(MediaImage.name == name))


def _therapist(therapist_id: int) -> Therapist:
    therapist = db.session.get(Therapist, therapist_id)
    if therapist is None:
        raise NotFound(f"therapist {therapist_id}")
    return therapist
