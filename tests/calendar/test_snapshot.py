"""One REQUEST, byte for byte: any change to what clients receive shows up
in review as a diff of tests/calendar/snapshots/request.ics.

To change the output deliberately, run
    UPDATE_SNAPSHOTS=1 .venv/bin/pytest -p no:cacheprovider tests/calendar/test_snapshot.py
read the diff of the snapshot file, and commit it with the change. The
VTIMEZONE inside comes from tzdata, so a tzdata release that changes
Berlin's rules for 2026 changes it too.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from booking.calendar import CalendarEvent, Person, invite

SNAPSHOT = Path(__file__).parent / "snapshots" / "request.ics"


def snapshot_request() -> bytes:
    start = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    event = CalendarEvent(
        uid="9d1e6c2a-4f7b-4b3e-8a51-0c2f7e6d5b94@termine.praxis.example",
        sequence=1,
        start=start,
        end=start + timedelta(minutes=50),
        zone="Europe/Berlin",
        summary="Erstgespräch mit Dr. Anna Berger",
        description=(
            "Ihr kostenfreies Erstgespräch (50 Minuten) findet online statt.\n"
            "Zum Gespräch: https://meet.praxis.example/r/k7f-2qz\n"
            "Termin verschieben oder absagen: https://termine.praxis.example/b/Qm9va2luZw"
        ),
        location="https://meet.praxis.example/r/k7f-2qz",
        url="https://termine.praxis.example/b/Qm9va2luZw",
        organizer=Person("berger@praxis.example", "Dr. Anna Berger"),
        attendees=(Person("alex@example.org", 'Alex "AC" O\'Brien, Jr.; MD'),),
        created=datetime(2026, 10, 1, 14, 3, 7, tzinfo=UTC),
        last_modified=datetime(2026, 10, 2, 8, 30, tzinfo=UTC),
        alarm_before=timedelta(minutes=30),
    )
    return invite(event, method="REQUEST", stamp=datetime(2026, 10, 2, 8, 30, tzinfo=UTC))


def test_request_matches_the_reviewed_snapshot_byte_for_byte():
    built = snapshot_request()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_bytes(built)
    assert built == SNAPSHOT.read_bytes(), (
        "the REQUEST changed; if deliberate, see this module's docstring"
    )
