"""The admin's audit trail: who of the practice viewed or acted on a booking, and when."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from booking.extensions import db
from booking.models import AuditAction, Booking, BookingAudit, BookingStatus
from booking.services import audit, bookings, erasure, handover
from booking.settings import current_settings
from tests.conftest import FIXED_NOW
from tests.support import berlin
from tests.web.workspace_support import csrf, sign_in

PAST = berlin("2026-05-20", "10:00")


@pytest.fixture
def carla(colleague):
    return colleague


@pytest.fixture
def booking(carla, make_booking):
    return make_booking(carla, confirmed=True)


def trail(booking_id: int) -> list[tuple[str, int | None]]:
    db.session.rollback()  # see what the requests committed
    return [(entry.action.value, entry.account_id) for entry in audit.trail_of(booking_id)]


def admin_page(booking_id: int) -> str:
    return f"/workspace/admin/bookings/{booking_id}"


def test_opening_a_booking_records_who_viewed_it_on_both_pages(
        app, client, admin, carla, booking):
    sign_in(client, carla.email)
    assert client.get(f"/workspace/bookings/{booking.id}").status_code == 200
    assert trail(booking.id) == [("viewed", carla.id)]
    client.post("/workspace/sign-out", data={"csrf_token": csrf(client)})
    sign_in(client, admin.email)
    assert client.get(admin_page(booking.id)).status_code == 200
    assert trail(booking.id) == [("viewed", admin.id), ("viewed", carla.id)]


def test_a_page_opened_again_soon_is_one_view_and_later_another(app, client, clock, carla,
                                                                 booking):
    sign_in(client, carla.email)
    page = f"/workspace/bookings/{booking.id}"
    client.get(page)
    clock.advance(timedelta(minutes=9))
    client.get(page)
    assert trail(booking.id) == [("viewed", carla.id)]
    clock.advance(timedelta(minutes=1))
    client.get(page)
    assert trail(booking.id) == [("viewed", carla.id)] * 2


def test_only_admins_see_the_trail_newest_first_with_names_and_account_ids(
        app, client, clock, admin, carla, booking):
    sign_in(client, carla.email)
    client.get(f"/workspace/bookings/{booking.id}")
    assert "Zugriffsprotokoll" not in client.get(
        f"/workspace/bookings/{booking.id}").get_data(as_text=True)
    client.post("/workspace/sign-out", data={"csrf_token": csrf(client)})
    clock.advance(timedelta(hours=1))
    sign_in(client, admin.email)
    page = client.get(admin_page(booking.id)).get_data(as_text=True)
    section = page.split("Zugriffsprotokoll", 1)[1]
    admin_line = "Ada Admin (#%d) hat die Angaben der Klientin oder des Klienten angesehen"
    carla_line = "Carla Kollegin (#%d) hat die Angaben der Klientin oder des Klienten angesehen"
    assert admin_line % admin.id in section and carla_line % carla.id in section
    assert section.index(admin_line % admin.id) < section.index(carla_line % carla.id)


def test_changes_by_the_therapist_and_the_admin_are_recorded_with_who_made_them(
        app, client, clock, admin, carla, make_booking):
    past = make_booking(carla, start=PAST, now=PAST - timedelta(days=2), confirmed=True)
    bookings.save_private_note(past.id, therapist_id=carla.id, note="Rückruf", now=FIXED_NOW)
    bookings.record_outcome(past.id, therapist_id=carla.id, attended=True, now=FIXED_NOW)
    upcoming = make_booking(carla, confirmed=True, email="lou@example.org")
    bookings.cancel_by_practice(upcoming.id, message="", now=FIXED_NOW, by_account_id=admin.id)
    assert trail(past.id) == [("changed", carla.id), ("changed", carla.id)]
    assert trail(upcoming.id) == [("changed", admin.id)]
    handed = make_booking(carla, confirmed=True, email="mo@example.org")
    handover.reassign(handed.id, to_therapist_id=admin.id, now=FIXED_NOW, by_account_id=admin.id)
    assert trail(handed.id) == [("changed", admin.id)]
    sign_in(client, admin.email)
    page = admin_page(past.id)
    client.post(f"{page}/erase", data={"csrf_token": csrf(client, page), "confirm": "yes"})
    assert trail(past.id)[:2] == [("erased", admin.id), ("viewed", admin.id)]
    assert db.session.get(Booking, past.id).erased_at is not None


def test_an_admins_download_of_the_clients_data_is_recorded(app, client, admin, booking):
    sign_in(client, admin.email)
    response = client.get(f"{admin_page(booking.id)}/personal-data.json")
    assert response.status_code == 200
    assert trail(booking.id)[0] == ("exported", admin.id)


def test_erasing_by_command_or_by_retention_is_recorded_without_an_account(
        app, clock, carla, make_booking):
    by_command = make_booking(carla, start=PAST, now=PAST - timedelta(days=2), confirmed=True,
                              email="kim@example.org")
    by_retention = make_booking(carla, start=PAST + timedelta(days=1),  # never confirmed
                                now=PAST - timedelta(days=2), email="lou@example.org")
    erasure.erase_person("kim@example.org", now=FIXED_NOW)
    assert trail(by_command.id) == [("erased", None)]
    erasure.erase_old(FIXED_NOW + timedelta(days=400), retention=current_settings().retention)
    assert trail(by_retention.id) == [("erased", None)]


def test_a_view_that_cannot_be_recorded_still_shows_the_page(app, client, carla, booking,
                                                             caplog):
    def refuse_audit(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO booking_audit"):
            raise OperationalError(statement, {}, Exception("disk full"))

    sign_in(client, carla.email)
    event.listen(db.engine, "before_cursor_execute", refuse_audit)
    try:
        with caplog.at_level(logging.WARNING, logger="booking.services.audit"):
            response = client.get(f"/workspace/bookings/{booking.id}")
    finally:
        event.remove(db.engine, "before_cursor_execute", refuse_audit)
    assert response.status_code == 200
    assert "Kim Beispiel" in response.get_data(as_text=True)
    assert trail(booking.id) == []
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"booking {booking.id} by account {carla.id} was not recorded" in logged
    assert "Kim" not in logged and "kim@example.org" not in logged


def test_someone_elses_booking_records_no_view(app, client, admin, carla, booking):
    sign_in(client, admin.email)  # an admin, but this is the therapist's own page
    assert client.get(f"/workspace/bookings/{booking.id}").status_code == 404
    assert trail(booking.id) == []


def test_the_trail_goes_with_the_booking_row(app, carla, booking):
    audit.record_view(booking.id, carla.id, FIXED_NOW)
    assert db.session.scalars(select(BookingAudit)).all()
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM outbox_message"))
        connection.execute(text("DELETE FROM booking"))
    db.session.rollback()
    assert db.session.scalars(select(BookingAudit)).all() == []


def test_record_access_joins_the_callers_unit_of_work(app, admin, booking):
    entry = audit.record_access(booking, admin.id, AuditAction.EXPORTED, FIXED_NOW)
    db.session.rollback()  # the caller's use case failed: no record of it either
    assert trail(booking.id) == []
    assert entry.action is AuditAction.EXPORTED
    assert db.session.get(Booking, booking.id).status is BookingStatus.CONFIRMED
