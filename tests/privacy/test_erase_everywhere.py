"""After an erasure nothing of the person is left in any table, and before it their
copy covers every table that holds something of them. Both searches run over the
metadata, so a table or column added later is searched too."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from booking import worker
from booking.extensions import db
from booking.models import Booking, WebhookEvent
from booking.services import bookings, data_copies, erasure, privacy_export, waivers, webhooks
from booking.services.bookings import Visitor
from booking.settings import settings_of
from tests.conftest import FIXED_NOW
from tests.support import WEDNESDAY_9, reconfigure

EMAIL = "Kim.Beispiel+praxis@example.org"
# What the person told us, and what the practice wrote about them.
TOLD = ["Beispiel", "kim.beispiel", "1234567", "Partnerin", "sam.partnerin", "streiten",
        "Rückruf", "Umzug", "Härtefall"]


@pytest.fixture
def everything(app, make_therapist, first_session, policy, token_of, start_server) -> dict:
    """One person's traces through every use case: booked through the API (idempotency
    key, request fingerprint) and the form, confirmed, moved, noted, cancelled with a
    reason, an exception granted, a copy asked for, mail sent (and refused for the
    partner, the mail server quoting the address), webhook calls queued with client
    details. Returns the values that must not survive an erasure."""
    handler, port = start_server()
    handler.answers["sam.partnerin@example.net"] = (
        "550 5.1.1 <sam.partnerin@example.net>: no such user")
    reconfigure(app, MAIL_URL=f"smtp://127.0.0.1:{port}", BUSY_ALLOWED_HOSTS=("127.0.0.1",),
                BUSY_FETCH_TIMEOUT_SECONDS=1)
    settings = settings_of(app)
    events = [event.value for event in WebhookEvent if event is not WebhookEvent.TEST]
    webhooks.add_endpoint(url="http://127.0.0.1:1/hooks", events=events,
                          include_client_details=True, now=FIXED_NOW,
                          secret_key=settings.secret_key, policy=settings.busy.fetch)
    anna = make_therapist()
    person = Visitor(name="Kim Beispiel", email=EMAIL, phone="+49 30 1234567",
                     partner_name="Sam Partnerin", partner_email="sam.partnerin@example.net",
                     message="Wir streiten viel.")
    first = bookings.book_slot(
        therapist_id=anna.id, session_type_id=first_session.id, start=WEDNESDAY_9,
        visitor=person, now=FIXED_NOW, policy=policy, idempotency_key="idem-kim-4711",
        request_fingerprint="fp-kim-0815")
    bookings.confirm_booking(token_of(first), now=FIXED_NOW, policy=policy)
    bookings.reschedule_by_visitor(token_of(first), start=WEDNESDAY_9 + timedelta(days=1),
                                   now=FIXED_NOW, policy=policy)
    bookings.save_private_note(first.id, therapist_id=anna.id, note="Rückruf vereinbart",
                               now=FIXED_NOW)
    data_copies.request_copy(token_of(first), now=FIXED_NOW, secret_key=settings.secret_key)
    waivers.grant(email=EMAIL, note="Härtefall", granted_by_id=anna.id, now=FIXED_NOW)
    second = bookings.book_slot(
        therapist_id=anna.id, session_type_id=first_session.id,
        start=WEDNESDAY_9 + timedelta(hours=2), visitor=person, now=FIXED_NOW, policy=policy)
    bookings.confirm_booking(token_of(second), now=FIXED_NOW, policy=policy)
    bookings.cancel_by_visitor(token_of(second), reason="Umzug nach Hamburg", now=FIXED_NOW,
                               policy=policy)
    worker.drain(app)
    db.session.rollback()
    stored = db.session.scalars(select(Booking).order_by(Booking.id)).all()
    copies = db.session.execute(select(data_copies.DataExport.nonce,
                                       data_copies.DataExport.token_hash)).all()
    secrets = ["idem-kim-4711", "fp-kim-0815", *(value for row in copies for value in row),
               *(booking.manage_token_hash for booking in stored)]
    return {"ids": [booking.id for booking in stored], "secrets": secrets}


def cells() -> list[tuple[str, str, Any, str]]:
    """(table, column, primary key, text) of every non-empty cell of every table."""
    db.session.rollback()
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            key = tuple(row[column.name] for column in table.primary_key.columns)
            for column in table.columns:
                value = row[column.name]
                if value in (None, ""):
                    continue
                text = json.dumps(value, ensure_ascii=False, default=str) if isinstance(
                    value, dict | list) else str(value)
                found.append((table.name, column.name, key, text))
    return found


def holding(needles: list[str]) -> set[tuple[str, str]]:
    return {(table, column) for table, column, _key, text in cells()
            for needle in needles if needle.lower() in text.lower()}


def test_the_person_is_everywhere_before_so_the_search_can_find_them(everything):
    places = holding(TOLD + everything["secrets"])
    assert {("booking", "visitor_name"), ("booking", "private_note"),
            ("booking", "idempotency_key"), ("first_session_waiver", "note"),
            ("data_export", "nonce")} <= places


def test_after_an_erasure_nothing_of_the_person_is_left_in_any_table(app, everything):
    first = erasure.erase_person(EMAIL, now=FIXED_NOW)
    assert first.waiting  # the moved booking lay ahead: cancelled and told first
    worker.drain(app)
    second = erasure.erase_person(EMAIL, now=FIXED_NOW)
    assert sorted(first.erased + second.erased) == everything["ids"]
    assert holding(TOLD + everything["secrets"]) == set()
    assert privacy_export.export_person(EMAIL, now=FIXED_NOW) is None


def test_the_retention_job_leaves_nothing_either(app, everything):
    erasure.erase_old(FIXED_NOW + timedelta(days=400), retention=settings_of(app).retention)
    assert holding(TOLD + everything["secrets"]) == set()


def test_the_copy_covers_every_table_that_holds_something_of_the_person(app, everything):
    document = privacy_export.export_person(EMAIL, now=FIXED_NOW, locale="en")
    text = json.dumps(document, ensure_ascii=False).lower()
    assert [needle for needle in TOLD if needle.lower() not in text] == []
    ids = set(everything["ids"])
    about_them = {table for table, _column, _key, text in cells()
                  if any(needle.lower() in text.lower() for needle in TOLD)}
    for table in db.metadata.sorted_tables:  # rows that belong to their bookings
        for column in table.columns:
            if any(fk.column.table.name == "booking" for fk in column.foreign_keys) and (
                    db.session.scalar(select(column).where(column.in_(ids)).limit(1))):
                about_them.add(table.name)
    assert about_them - set(document["stored_records"]) == set()
    assert {"booking", "booking_event", "outbox_message", "first_session_waiver",
            "data_export"} <= about_them
