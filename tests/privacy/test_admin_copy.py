"""The admin's copy of a client's data, from the booking's page."""

from __future__ import annotations

import pytest

from booking.extensions import db
from booking.models import Role
from booking.services import erasure
from tests.support import berlin
from tests.web.workspace_support import PASSWORD, sign_in


@pytest.fixture
def admin(make_therapist):
    therapist = make_therapist()
    therapist.role = Role.ADMIN
    therapist.set_password(PASSWORD)
    db.session.commit()
    return therapist


@pytest.fixture
def colleague(make_therapist):
    therapist = make_therapist()
    therapist.set_password(PASSWORD)
    db.session.commit()
    return therapist


def test_the_admin_downloads_everything_about_a_client_from_their_booking(
        client, admin, colleague, make_booking, clock):
    booking_id = make_booking(colleague, name="Kim Beispiel", message="Wir streiten viel.").id
    sign_in(client, admin.email)
    page = client.get(f"/workspace/admin/bookings/{booking_id}").get_data(as_text=True)
    link = f"/workspace/admin/bookings/{booking_id}/personal-data.json"
    assert f'href="{link}"' in page
    answer = client.get(link)
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="personal-data-{booking_id}.json"')
    assert answer.headers["Cache-Control"] == "no-store"
    [booking] = answer.get_json()["bookings"]
    assert (booking["name"], booking["message"]) == ("Kim Beispiel", "Wir streiten viel.")
    db.session.rollback()  # SQLite: see (and let go of) what the requests wrote
    clock.set(berlin("2026-06-01", "12:00"))  # the unconfirmed hold has lapsed
    erasure.erase_personal_data(booking_id, now=clock.now())
    assert client.get(link).status_code == 404
    assert link not in client.get(f"/workspace/admin/bookings/{booking_id}").get_data(
        as_text=True)


def test_therapists_who_are_not_admins_cannot_download_it(client, colleague, make_booking):
    booking = make_booking(colleague)
    sign_in(client, colleague.email)
    assert client.get(
        f"/workspace/admin/bookings/{booking.id}/personal-data.json").status_code == 404


def test_the_copy_the_admin_downloads_speaks_the_clients_language(
        client, admin, colleague, make_booking):
    booking_id = make_booking(colleague, name="Lena Fischer", email="lena@example.org",
                              locale="en").id
    sign_in(client, admin.email)  # a German admin
    document = client.get(f"/workspace/admin/bookings/{booking_id}/personal-data.json").get_json()
    assert document["summary"].startswith("We store: 1 booking in your name")
