"""The outbox contract: each message kind carries exactly its own typed fields."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from booking.models import MessageKind, Recipient
from booking.models.outbox_payloads import (
    PAYLOAD_TYPES,
    Cancelled,
    CancelledBy,
    Invitation,
    PayloadError,
    Rescheduled,
    payload_from_json,
    payload_to_json,
)

START = datetime(2026, 6, 3, 7, 0, tzinfo=UTC)
SNAPSHOT = {"recipient": Recipient.VISITOR, "sequence": 2, "start": START,
            "end": datetime(2026, 6, 3, 7, 50, tzinfo=UTC)}
HANDOVER = Cancelled(**SNAPSHOT, by=CancelledBy.HANDOVER, with_invite=True,
                     uid="old@termine.praxis.example", organizer_id=4)


def test_every_message_kind_has_a_payload_type():
    assert set(PAYLOAD_TYPES) == set(MessageKind)
    assert all(cls.kind is kind for kind, cls in PAYLOAD_TYPES.items())


@pytest.mark.parametrize("payload", [
    HANDOVER,
    Rescheduled(**SNAPSHOT, previous_start=START),
    Invitation(therapist_id=7),
], ids=lambda payload: payload.kind.value)
def test_a_payload_reads_back_as_it_was_queued(payload):
    stored = payload_to_json(payload)
    assert payload_from_json(payload.kind.value, stored) == payload


def test_a_misspelt_key_is_refused_when_queued():
    with pytest.raises(ValidationError, match="with_invte"):
        Cancelled(**SNAPSHOT, by=CancelledBy.VISITOR, with_invte=True)


def test_a_key_another_kind_carries_is_refused_when_queued():
    with pytest.raises(ValidationError, match="previous_start"):
        Cancelled(**SNAPSHOT, by=CancelledBy.VISITOR, with_invite=True, previous_start=START)


@pytest.mark.parametrize(("change", "problem"), [
    ({"with_invte": True}, "with_invte"),  # misspelt
    ({"with_invite": None}, "with_invite"),  # missing its value
    ({"by": "somebody"}, "by"),  # not a known actor
    ({"sequence": "2"}, "sequence"),  # a number as text: no quiet coercion
    ({"start": "2026-06-03T09:00:00"}, "start"),  # an instant without its offset
    ({"recipient": "nobody"}, "recipient"),
])
def test_a_stored_payload_that_does_not_fit_its_kind_is_refused_when_read(change, problem):
    stored = {**payload_to_json(HANDOVER), **change}
    with pytest.raises(PayloadError, match=problem):
        payload_from_json(MessageKind.CANCELLED.value, stored)


def test_a_required_key_missing_from_a_stored_payload_is_refused():
    stored = payload_to_json(HANDOVER)
    del stored["with_invite"]
    with pytest.raises(PayloadError, match="with_invite"):
        payload_from_json(MessageKind.CANCELLED.value, stored)


def test_the_refusal_names_keys_never_the_values_they_held():
    stored = {**payload_to_json(HANDOVER), "note": "kim@example.org"}
    with pytest.raises(PayloadError) as refused:
        payload_from_json(MessageKind.CANCELLED.value, stored)
    assert "kim@example.org" not in str(refused.value)


def test_an_unknown_kind_is_refused():
    with pytest.raises(PayloadError, match="unknown message kind"):
        payload_from_json("carrier_pigeon", {})


def test_rows_queued_before_the_contract_still_read():
    """Payloads written by the untyped outbox (no optional keys, +00:00 offsets)."""
    old = {"recipient": "therapist", "sequence": 1, "start": "2026-06-03T07:00:00+00:00",
           "end": "2026-06-03T07:50:00+00:00", "by": "visitor", "with_invite": True}
    read = payload_from_json("booking_cancelled", old)
    assert isinstance(read, Cancelled) and read.uid is None and read.start == START
