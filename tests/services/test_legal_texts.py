"""Saving the practice's legal texts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.errors import InvalidInput
from booking.extensions import db
from booking.models import LegalKind, LegalText
from booking.services import legal_texts
from tests.conftest import FIXED_NOW


def test_a_first_save_that_loses_the_race_to_another_admin_updates_their_text(
        make_therapist, monkeypatch):
    first, second = make_therapist(), make_therapist()
    db.session.add(LegalText(kind=LegalKind.IMPRESSUM, language="de", source="Ihrer\n",
                             updated_at=FIXED_NOW, updated_by_id=first.id))
    db.session.commit()
    # The second admin's save read the table before the first one's row was there.
    stale = [{}]
    real = legal_texts.saved_texts
    monkeypatch.setattr(legal_texts, "saved_texts",
                        lambda: stale.pop() if stale else real())
    changed = legal_texts.save_legal_texts(LegalKind.IMPRESSUM, {"de": "Meiner"},
                                           by_id=second.id, now=FIXED_NOW)
    assert changed == ["de"]
    db.session.rollback()
    [text] = db.session.scalars(select(LegalText)).all()
    assert (text.source, text.updated_by_id) == ("Meiner\n", second.id)


@pytest.mark.parametrize("sources", [{"de": " \n "}, {"fr": "Bonjour"},
                                     {"de": "ok", "en": "x" * 50_001}])
def test_a_text_that_cannot_be_saved_saves_nothing(make_therapist, sources):
    admin = make_therapist()
    with pytest.raises(InvalidInput):
        legal_texts.save_legal_texts(LegalKind.PRIVACY, sources, by_id=admin.id,
                                     now=FIXED_NOW)
    assert db.session.scalars(select(LegalText)).all() == []
