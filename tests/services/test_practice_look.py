"""The practice's details and pictures as the service keeps them."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from booking.errors import InvalidInput, NotFound
from booking.extensions import db
from booking.models import MediaImage, PracticeProfile
from booking.services import practice
from tests.conftest import FIXED_NOW

DEFAULTS = practice.PracticeDetails(name="Praxis aus den Einstellungen",
                                    email="einstellungen@praxis.example", phone="030 1")


def png(colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


def images_stored() -> int:
    return db.session.scalar(select(func.count()).select_from(MediaImage))


def test_the_settings_stand_in_until_something_is_saved(app):
    assert practice.details(DEFAULTS) == DEFAULTS
    practice.set_logo(png(), defaults=DEFAULTS, now=FIXED_NOW)
    saved = practice.details(DEFAULTS)
    assert (saved.name, saved.email, saved.phone) == (DEFAULTS.name, DEFAULTS.email, "030 1")
    assert saved.logo is not None


@pytest.mark.parametrize("field, changes", [
    ("name", {"name": "  "}),
    ("name", {"name": "x" * 121}),
    ("email", {"email": "keine-adresse"}),
    ("phone", {"phone": "030 <script>"}),
    ("address", {"address": "x" * 501}),
    ("accent", {"accent": "#ffff00"}),
    ("meeting_url", {"meeting_url": "http://video.praxis.example/{room}"}),
    ("meeting_url", {"meeting_url": "https://video.praxis.example/{room}/{room}"}),
])
def test_a_value_that_does_not_fit_is_refused_and_nothing_is_saved(app, field, changes):
    wanted = practice.PracticeDetails(**{**DEFAULTS.__dict__, **changes})
    with pytest.raises(InvalidInput) as refused:
        practice.save_details(wanted, defaults=DEFAULTS, now=FIXED_NOW)
    assert refused.value.field == field
    assert db.session.get(PracticeProfile, 1) is None


def test_the_default_meeting_link_is_kept_with_the_details(app):
    wanted = practice.PracticeDetails(**{**DEFAULTS.__dict__,
                                         "meeting_url": " https://video.praxis.example/{room} "})
    practice.save_details(wanted, defaults=DEFAULTS, now=FIXED_NOW)
    db.session.rollback()
    assert practice.details(DEFAULTS).meeting_url == "https://video.praxis.example/{room}"


def test_a_replaced_logo_is_deleted_a_shared_picture_is_kept(app, make_therapist):
    therapist = make_therapist()
    first = practice.set_logo(png("navy"), defaults=DEFAULTS, now=FIXED_NOW)
    assert practice.set_photo(therapist.id, png("navy"), now=FIXED_NOW) != first  # a JPEG
    practice.set_photo(therapist.id, png("red"), now=FIXED_NOW)
    assert images_stored() == 2  # the logo and the newest photo
    practice.set_logo(png("olive"), defaults=DEFAULTS, now=FIXED_NOW)
    assert practice.image(first) is None
    practice.remove_logo(defaults=DEFAULTS, now=FIXED_NOW)
    practice.remove_photo(therapist.id)
    assert images_stored() == 0


def test_the_same_picture_stored_at_the_same_moment_by_another_upload_is_no_error(
        app, make_therapist, monkeypatch):
    first, second = make_therapist(), make_therapist()
    name = practice.set_photo(first.id, png(), now=FIXED_NOW)
    # The other upload's row arrives between the look and the insert.
    looked_up = db.session.get
    monkeypatch.setattr(db.session, "get", lambda model, key, **options: None
                        if model is MediaImage else looked_up(model, key, **options))
    assert practice.set_photo(second.id, png(), now=FIXED_NOW) == name
    monkeypatch.undo()
    assert images_stored() == 1
    assert db.session.get(type(second), second.id).photo == name


def test_a_photo_for_nobody_is_not_found(app):
    with pytest.raises(NotFound):
        practice.set_photo(999999, png(), now=FIXED_NOW)
    assert images_stored() == 0
