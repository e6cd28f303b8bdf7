"""Closed days on the pages: the admin's closing days, the therapist's preview and the
visitors' week picker show them, with the holiday's name in the reader's language."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from booking.extensions import db
from booking.models import Booking, BookingStatus, ClosingPeriod
from booking.services import closing
from booking.services.bookings import Visitor, book_slot
from tests.conftest import FIXED_NOW
from tests.support import berlin, reconfigure
from tests.web.workspace_support import csrf, sign_in


def add_closing(client, first: str, last: str, label: str = ""):
    token = csrf(client, "/workspace/admin/closing-days")
    return client.post("/workspace/admin/closing-days", data={
        "csrf_token": token, "first_day": first, "last_day": last, "label": label})


def test_the_admin_closes_days_and_sees_the_bookings_inside_which_stay(
        signed_in_admin, make_therapist, make_booking, first_session):
    colleague = make_therapist()
    colleague.display_name = "Carla Kollegin"
    db.session.commit()
    inside = make_booking(colleague, start=berlin("2026-06-10", "10:00"), confirmed=True,
                          name="Ina Innen")
    make_booking(colleague, start=berlin("2026-06-12", "10:00"), name="Otto Außen",
                 email="otto@example.org")
    response = add_closing(signed_in_admin, "2026-06-09", "2026-06-10", "Teamtag")
    assert response.status_code == 303
    page = signed_in_admin.get(response.location).get_data(as_text=True)
    added = page.split('class="agenda closed-bookings-added"', 1)[1].split("</ul>", 1)[0]
    assert "Ina Innen" in added and "Otto Außen" not in added
    assert "Carla Kollegin" in added
    listed = page.split('class="agenda closed-bookings"', 1)[1].split("</ul>", 1)[0]
    assert "Ina Innen" in listed and "Teamtag" in listed
    db.session.expire_all()
    assert db.session.get(Booking, inside.id).status is BookingStatus.CONFIRMED
    assert db.session.scalar(db.select(ClosingPeriod.label)) == "Teamtag"


def test_the_closing_days_page_lists_bookings_on_holidays(
        signed_in_admin, make_therapist, first_session, policy):
    book_slot(therapist_id=make_therapist(horizon_days=365).id,
              session_type_id=first_session.id, start=berlin("2026-12-25", "10:00"),
              visitor=Visitor(name="Chris Mas", email="chris@example.org"), now=FIXED_NOW,
              policy=replace(policy, holiday_state=""))  # booked while holidays were off
    page = signed_in_admin.get("/workspace/admin/closing-days").get_data(as_text=True)
    listed = page.split('class="agenda closed-bookings"', 1)[1].split("</ul>", 1)[0]
    assert "Chris Mas" in listed and "Erster Weihnachtstag" in listed


def test_the_closing_days_page_names_the_federal_state_not_its_code(signed_in_admin, app):
    page = signed_in_admin.get("/workspace/admin/closing-days").get_data(as_text=True)
    assert "gesetzlichen Feiertagen in Berlin," in page and "HOLIDAY_STATE" not in page
    reconfigure(app, HOLIDAY_STATE="BY")
    page = signed_in_admin.get("/workspace/admin/closing-days").get_data(as_text=True)
    assert "gesetzlichen Feiertagen in Bayern," in page


@pytest.mark.parametrize("first, last, message", [
    ("2026-06-10", "2026-06-09", "Der letzte Tag liegt vor dem ersten."),
    ("2026-06-10", "2027-06-12", "Eine Schließzeit kann höchstens ein Jahr dauern."),
    ("10.06.2026", "", "Bitte geben Sie den ersten Schließtag an."),
    ("2026-06-10", "", "Bitte geben Sie den letzten Schließtag an (bei einem einzelnen Tag "
                       "denselben Tag)."),
    ("2026-05-01", "2026-05-31", "Dieser Zeitraum ist schon vorbei."),
    ("9999-12-31", "9999-12-31", "höchstens drei Jahre im Voraus"),
])
def test_a_closing_period_that_makes_no_sense_is_refused_with_the_reason(
        signed_in_admin, first, last, message):
    response = add_closing(signed_in_admin, first, last)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ClosingPeriod.id))) == 0


def test_removing_a_closing_period_opens_its_days_again(signed_in_admin, admin,
                                                        first_session):
    period = closing.add_closing_period(first_day=date(2026, 6, 9), last_day=date(2026, 6, 9),
                                        label="", now=FIXED_NOW)
    assert "2026-06-09T" not in signed_in_admin.get(
        f"/book/{admin.slug}?week=2026-06-08").get_data(as_text=True)
    token = csrf(signed_in_admin, "/workspace/admin/closing-days")
    response = signed_in_admin.post(f"/workspace/admin/closing-days/{period.id}/remove",
                                    data={"csrf_token": token})
    assert response.status_code == 303
    assert "2026-06-09T" in signed_in_admin.get(
        f"/book/{admin.slug}?week=2026-06-08").get_data(as_text=True)


@pytest.mark.parametrize("added", ["x", "-1", "0", "99999999999999999999", "424242"])
def test_the_page_after_adding_ignores_an_added_id_that_names_nothing(signed_in_admin, added):
    response = signed_in_admin.get(f"/workspace/admin/closing-days?added={added}")
    assert response.status_code == 200
    assert "Schließtage gespeichert." not in response.get_data(as_text=True)


def closed_notes(page: str) -> list[str]:
    return re.findall(r'<p class="closed-day">([^<]*)</p>', page)


def test_a_new_closing_period_shows_on_the_next_request_of_the_week_picker(
        signed_in_admin, admin, client, first_session):
    week = f"/book/{admin.slug}?week=2026-06-08"
    assert "2026-06-10T" in client.get(week).get_data(as_text=True)
    add_closing(signed_in_admin, "2026-06-10", "2026-06-10", "Teamtag")
    page = client.application.test_client().get(week).get_data(as_text=True)
    assert "2026-06-10T" not in page
    assert closed_notes(page) == ["Geschlossen: Teamtag"]


def test_the_week_picker_shows_holidays_as_closed_with_their_name(make_therapist, client,
                                                                   first_session):
    therapist = make_therapist(horizon_days=365)
    page = client.get(f"/book/{therapist.slug}?week=2026-12-21").get_data(as_text=True)
    assert closed_notes(page) == ["Geschlossen: Heiligabend",
                                  "Geschlossen: Erster Weihnachtstag",
                                  "Geschlossen: Zweiter Weihnachtstag"]
    assert "2026-12-23T" in page and "2026-12-24T" not in page and "2026-12-25T" not in page
    english = client.get(f"/book/{therapist.slug}?week=2026-12-21&lang=en").get_data(
        as_text=True)
    assert closed_notes(english)[1] == "Closed: Christmas Day"


def test_the_hours_preview_shows_closed_days_with_their_name(client, admin, app,
                                                             first_session):
    reconfigure(app, HOLIDAY_STATE="NW")  # Corpus Christi, Thursday 4 June, is one there
    sign_in(client, admin.email)
    page = client.get("/workspace/hours").get_data(as_text=True)
    preview = page.split("<h2", 3)[-1]
    assert closed_notes(preview) == ["Geschlossen: Fronleichnam"]
    assert "2026-06-04T" not in preview and "2026-06-05T" in preview
