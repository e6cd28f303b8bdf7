"""The practice admin's pages: only admins see them, and what each one does."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import (
    Booking,
    BookingStatus,
    ClosingPeriod,
    FeedScope,
    FirstSessionWaiver,
    OutboxMessage,
    OutboxStatus,
    PracticeProfile,
    Therapist,
    WebhookEndpoint,
)
from booking.services import feeds
from tests.conftest import FIXED_NOW
from tests.support import berlin
from tests.web.workspace_support import csrf, sign_in

WEDNESDAY_10 = berlin("2026-06-03", "10:00")


@pytest.fixture
def colleagues_booking(colleague, make_booking):
    booking = make_booking(colleague, start=WEDNESDAY_10)
    booking.private_note = "Nur für Carla"
    db.session.commit()
    return booking


# For each kind of record an admin route can name: one to point the route at.
ADMIN_RECORDS = {
    "therapist_id": lambda booking: booking.therapist_id,
    "booking_id": lambda booking: booking.id,
    "message_id": lambda booking: db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.booking_id == booking.id)),
    "waiver_id": lambda booking: _waiver(booking).id,
    "endpoint_id": lambda booking: _webhook_endpoint().id,
    "period_id": lambda booking: _closing_period().id,
}


def _closing_period() -> ClosingPeriod:
    period = ClosingPeriod(first_day=date(2026, 12, 27), last_day=date(2026, 12, 30),
                           label="Weihnachtspause", created_at=FIXED_NOW)
    db.session.add(period)
    db.session.commit()
    return period


def _webhook_endpoint() -> WebhookEndpoint:
    endpoint = WebhookEndpoint(url="https://crm.example/hooks", events=["booking.confirmed"],
                               nonce="n", created_at=FIXED_NOW)
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def _waiver(booking) -> FirstSessionWaiver:
    waiver = FirstSessionWaiver(email_key="x@example.org", email="x@example.org", note="",
                                created_at=FIXED_NOW)
    db.session.add(waiver)
    db.session.commit()
    return waiver


def admin_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]


def path_of(rule, ids: dict[str, int]) -> str:
    return re.sub(r"<int:(\w+)>", lambda m: str(ids[m.group(1)]), rule.rule)


def every_request(app, ids):
    for rule in admin_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, path_of(rule, ids)


def test_every_admin_route_names_only_records_this_test_file_covers(app):
    for rule in admin_rules(app):
        assert set(rule.arguments) <= set(ADMIN_RECORDS), rule.rule


def test_signed_out_every_admin_page_leads_to_sign_in(app, client):
    token = csrf(client, "/workspace/sign-in")  # so that POSTs get past the CSRF check
    for rule, method, path in every_request(app, dict.fromkeys(ADMIN_RECORDS, 1)):
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 302, (rule.rule, method)
        assert "/workspace/sign-in" in response.location


def test_a_therapist_who_is_not_admin_finds_no_admin_page(app, client, colleague,
                                                          colleagues_booking):
    ids = {name: make(colleagues_booking) for name, make in ADMIN_RECORDS.items()}
    sign_in(client, colleague.email)
    token = csrf(client)
    for rule, method, path in every_request(app, ids):
        response = client.open(path, method=method,
                               data={"csrf_token": token, "to": ids["therapist_id"],
                                     "active": "no", "message": "x", "email": "a@b.de"})
        assert response.status_code == 404, (rule.rule, method)
    db.session.rollback()
    assert db.session.get(Therapist, colleague.id).active
    assert db.session.get(Booking, colleagues_booking.id).status is BookingStatus.PENDING
    assert db.session.get(FirstSessionWaiver, ids["waiver_id"]) is not None
    assert db.session.get(PracticeProfile, 1) is None
    assert db.session.get(Therapist, colleague.id).photo is None


def test_the_admin_is_told_not_found_for_records_that_do_not_exist(app, signed_in_admin):
    token = csrf(signed_in_admin)
    rules = [r for r in admin_rules(app) if r.arguments]
    assert rules
    for rule in rules:
        path = path_of(rule, dict.fromkeys(ADMIN_RECORDS, 999999))
        method = "GET" if "GET" in rule.methods else "POST"
        response = signed_in_admin.open(path, method=method,
                                        data={"csrf_token": token, "to": 1, "active": "no"})
        assert response.status_code == 404, rule.rule


def test_an_admin_post_without_csrf_token_is_refused(app, signed_in_admin, colleagues_booking):
    ids = {name: make(colleagues_booking) for name, make in ADMIN_RECORDS.items()}
    for rule, method, path in every_request(app, ids):
        if method == "POST":
            assert signed_in_admin.post(path).status_code == 400, rule.rule


def test_only_admins_see_the_practice_link(client, signed_in_admin, colleague):
    assert "/workspace/admin/team" in signed_in_admin.get("/workspace/").get_data(as_text=True)
    other = client.application.test_client()
    sign_in(other, colleague.email)
    assert "/workspace/admin/" not in other.get("/workspace/").get_data(as_text=True)


def test_inviting_a_therapist_adds_them_and_mails_a_link(signed_in_admin):
    page = "/workspace/admin/team"
    response = signed_in_admin.post(page, data={"csrf_token": csrf(signed_in_admin, page),
                                                "name": "Dora Neu", "email": "dora@praxis.example"})
    assert response.status_code == 303
    db.session.rollback()
    dora = db.session.scalar(select(Therapist).where(Therapist.email == "dora@praxis.example"))
    assert dora.display_name == "Dora Neu" and not dora.password_hash
    assert db.session.scalar(select(OutboxMessage.kind).where(
        OutboxMessage.payload["therapist_id"].as_integer() == dora.id)) == "invitation"
    assert "Dora Neu" in signed_in_admin.get(page).get_data(as_text=True)


@pytest.mark.parametrize("email, message", [
    ("keine-adresse", "Das ist keine gültige E-Mail-Adresse."),
    ("T1@praxis.example", "Ein anderes Teammitglied hat diese E-Mail-Adresse."),
])
def test_an_invitation_that_cannot_be_made_says_why_and_adds_nobody(
        signed_in_admin, admin, email, message):
    page = "/workspace/admin/team"
    count = db.session.scalar(select(db.func.count()).select_from(Therapist))
    response = signed_in_admin.post(page, data={"csrf_token": csrf(signed_in_admin, page),
                                                "name": "Dora Neu", "email": email})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Therapist)) == count


def test_inviting_a_namesake_gives_them_their_own_booking_address(signed_in_admin):
    page = "/workspace/admin/team"
    for email in ("dora@praxis.example", "dora.zwei@praxis.example"):
        signed_in_admin.post(page, data={"csrf_token": csrf(signed_in_admin, page),
                                         "name": "Dora Neu", "email": email})
    db.session.rollback()
    assert sorted(db.session.scalars(select(Therapist.slug).where(
        Therapist.display_name == "Dora Neu"))) == ["dora-neu", "dora-neu-2"]


def edit(client, therapist, **changes):
    page = f"/workspace/admin/team/{therapist.id}"
    data = {"csrf_token": csrf(client, page), "display_name": therapist.display_name,
            "title": "", "email": therapist.email, "timezone": therapist.timezone,
            **({"admin": "y"} if therapist.is_admin else {}), **changes}
    return client.post(page, data={k: v for k, v in data.items() if v is not None})


def test_the_admin_edits_a_team_members_profile(signed_in_admin, colleague):
    response = edit(signed_in_admin, colleague, display_name="Carla Neuname",
                    timezone="Europe/Vienna", title="Psychologin M.Sc.")
    assert response.status_code == 303
    db.session.rollback()
    changed = db.session.get(Therapist, colleague.id)
    assert (changed.display_name, changed.timezone, changed.title) == (
        "Carla Neuname", "Europe/Vienna", "Psychologin M.Sc.")


@pytest.mark.parametrize("changes, message", [
    ({"timezone": "Mars/Olympus"}, "Keine gültige Auswahl."),
    ({"email": "t1@praxis.example"}, "Ein anderes Teammitglied hat diese E-Mail-Adresse."),
    ({"display_name": ""}, "Bitte geben Sie einen Namen an."),
])
def test_a_profile_change_that_cannot_be_made_changes_nothing(
        signed_in_admin, admin, colleague, changes, message):
    response = edit(signed_in_admin, colleague, **changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Therapist, colleague.id).email == colleague.email


def test_an_admin_cannot_take_away_their_own_admin_role(signed_in_admin, admin):
    response = edit(signed_in_admin, admin, admin=None)
    assert response.status_code == 422
    assert "eigene Administrationsrecht" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Therapist, admin.id).is_admin


def deactivate(client, therapist, active="no"):
    page = f"/workspace/admin/team/{therapist.id}"
    return client.post(f"{page}/active", data={"csrf_token": csrf(client, page),
                                               "active": active})


def test_a_deactivated_therapist_leaves_booking_and_sign_in_but_keeps_bookings(
        app, signed_in_admin, colleague, colleagues_booking):
    theirs = app.test_client()
    sign_in(theirs, colleague.email)
    feed = "/feeds/" + feeds.current_token(therapist_id=colleague.id, scope=FeedScope.THERAPIST,
                                           secret_key=app.config["SECRET_KEY"],
                                           now=FIXED_NOW) + ".ics"
    assert colleague.display_name in signed_in_admin.get("/book").get_data(as_text=True)
    assert signed_in_admin.get(feed).status_code == 200
    assert deactivate(signed_in_admin, colleague).status_code == 303
    assert signed_in_admin.get(feed).status_code == 404  # no more client data for them
    assert colleague.display_name not in signed_in_admin.get("/book").get_data(as_text=True)
    assert theirs.get("/workspace/").status_code == 302  # their session ended
    assert sign_in(app.test_client(), colleague.email).status_code == 401
    db.session.rollback()
    assert db.session.get(Booking, colleagues_booking.id).status is BookingStatus.PENDING
    page = signed_in_admin.get(f"/workspace/admin/team/{colleague.id}").get_data(as_text=True)
    assert "Kim Beispiel" in page and "Deaktiviert" in page
    deactivate(signed_in_admin, colleague, active="yes")
    assert colleague.display_name in signed_in_admin.get("/book").get_data(as_text=True)


def test_an_admin_cannot_deactivate_themselves(signed_in_admin, admin):
    response = deactivate(signed_in_admin, admin)
    assert "nicht deaktivieren" in signed_in_admin.get(response.location).get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Therapist, admin.id).active


def test_a_booking_is_handed_over_from_the_team_members_page(
        signed_in_admin, admin, colleague, colleagues_booking):
    page = f"/workspace/admin/team/{colleague.id}"
    response = signed_in_admin.post(
        f"/workspace/admin/bookings/{colleagues_booking.id}/reassign",
        data={"csrf_token": csrf(signed_in_admin, page), "to": admin.id, "back": colleague.id})
    assert response.location.endswith(page)
    db.session.rollback()
    assert db.session.get(Booking, colleagues_booking.id).therapist_id == admin.id
    assert "Übergeben" in signed_in_admin.get(page).get_data(as_text=True)


def test_a_handover_to_a_busy_colleague_is_refused_with_a_message(
        signed_in_admin, admin, colleague, colleagues_booking, make_booking):
    make_booking(admin, start=WEDNESDAY_10, email="lou@example.org")  # the same time
    page = f"/workspace/admin/bookings/{colleagues_booking.id}"
    response = signed_in_admin.post(f"{page}/reassign", data={
        "csrf_token": csrf(signed_in_admin, page), "to": admin.id})
    assert "nicht frei" in signed_in_admin.get(response.location).get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Booking, colleagues_booking.id).therapist_id == colleague.id


def test_the_admin_cancels_any_booking_and_the_history_shows_it(
        signed_in_admin, colleagues_booking):
    page = f"/workspace/admin/bookings/{colleagues_booking.id}"
    signed_in_admin.post(f"{page}/cancel", data={"csrf_token": csrf(signed_in_admin, page),
                                                 "confirm": "yes", "message": "Krankheitsfall"})
    db.session.rollback()
    assert db.session.get(Booking, colleagues_booking.id).status is BookingStatus.CANCELLED
    shown = signed_in_admin.get(page).get_data(as_text=True)
    assert "Von der Praxis abgesagt" in shown and "Krankheitsfall" in shown


def test_all_bookings_lists_the_whole_team_but_never_private_notes(
        signed_in_admin, admin, colleagues_booking, make_booking):
    make_booking(admin, start=berlin("2026-06-04", "10:00"), email="lou@example.org")
    listing = signed_in_admin.get("/workspace/admin/bookings").get_data(as_text=True)
    assert "mit Carla Kollegin" in listing and "mit Ada Admin" in listing
    page = signed_in_admin.get(f"/workspace/admin/bookings/{colleagues_booking.id}")
    assert "Nur für Carla" not in page.get_data(as_text=True)


def test_undeliverable_mail_is_listed_and_sent_again(signed_in_admin, colleagues_booking):
    message = db.session.scalar(select(OutboxMessage))
    message.status, message.attempts, message.last_error = (
        OutboxStatus.FAILED, 8, "550 mailbox unavailable")
    db.session.commit()
    page = "/workspace/admin/messages"
    assert "550 mailbox unavailable" in signed_in_admin.get(page).get_data(as_text=True)
    signed_in_admin.post(f"{page}/{message.id}/resend",
                         data={"csrf_token": csrf(signed_in_admin, page)})
    db.session.rollback()
    again = db.session.get(OutboxMessage, message.id)
    assert (again.status, again.attempts) == (OutboxStatus.QUEUED, 0)
    assert "Alle Nachrichten wurden zugestellt" in signed_in_admin.get(page).get_data(
        as_text=True)


def test_an_exception_lets_the_same_person_book_again(
        signed_in_admin, client, colleague, colleagues_booking, make_booking):
    from booking.errors import FirstSessionAlreadyBooked

    with pytest.raises(FirstSessionAlreadyBooked):
        make_booking(colleague, start=berlin("2026-06-04", "10:00"))
    page = "/workspace/admin/exceptions"
    response = signed_in_admin.post(page, data={"csrf_token": csrf(signed_in_admin, page),
                                                "email": "KIM@example.org", "note": "verpasst"})
    assert response.status_code == 303
    assert "verpasst" in signed_in_admin.get(page).get_data(as_text=True)
    db.session.rollback()
    assert make_booking(colleague, start=berlin("2026-06-04", "10:00")).id


def test_an_exception_for_something_that_is_no_address_is_refused(signed_in_admin):
    page = "/workspace/admin/exceptions"
    response = signed_in_admin.post(page, data={"csrf_token": csrf(signed_in_admin, page),
                                                "email": "kim at example"})
    assert response.status_code == 422
    db.session.rollback()
    assert db.session.scalar(select(FirstSessionWaiver)) is None


def test_the_articles_report_counts_per_source_and_exports_csv(
        signed_in_admin, admin, make_booking):
    for n, source in enumerate(["artikel-streit", "artikel-streit", "=HYPERLINK(1)"]):
        make_booking(admin, start=berlin("2026-06-03", "09:00") + timedelta(hours=n),
                     email=f"p{n}@example.org", cta_source=source)
    page = signed_in_admin.get("/workspace/admin/reports").get_data(as_text=True)
    assert "<svg" in page and "artikel-streit" in page
    export = signed_in_admin.get("/workspace/admin/reports.csv?months=3")
    assert export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    text = export.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads the file as UTF-8
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))  # German Excel's separator
    assert rows[0] == ["Monat", "Quelle", "Buchungen", "Bestätigt"]  # the admin's words
    assert ["2026-06", "artikel-streit", "2", "0"] in rows
    assert ["2026-06", "'=HYPERLINK(1)", "1", "0"] in rows


def test_the_articles_report_says_bookings_without_a_source_were_opened_directly(
        signed_in_admin, admin, make_booking):
    make_booking(admin, start=berlin("2026-06-03", "09:00"), email="p@example.org")
    page = signed_in_admin.get("/workspace/admin/reports").get_data(as_text=True)
    assert "<td>direkt aufgerufen, nicht über einen Artikel</td>" in page
    assert "unbekannt" not in page


def test_the_practice_feed_card_shows_every_therapists_bookings(
        signed_in_admin, colleagues_booking):
    page = "/workspace/admin/practice-feed"
    https = re.search(r'value="(http://[^"]+\.ics)"', signed_in_admin.get(page).get_data(
        as_text=True)).group(1)
    path = https.split("5000", 1)[1]
    feed = signed_in_admin.get(path)
    assert feed.status_code == 200 and b"Carla Kollegin" in feed.data
    signed_in_admin.post(f"{page}/rotate", data={"csrf_token": csrf(signed_in_admin, page)})
    assert signed_in_admin.get(path).status_code == 404


def test_the_therapist_sees_the_status_history_of_their_booking(client, colleague,
                                                                  colleagues_booking):
    sign_in(client, colleague.email)
    page = client.get(f"/workspace/bookings/{colleagues_booking.id}").get_data(as_text=True)
    assert "Verlauf" in page and "auf Bestätigung per E-Mail" in page


def test_an_invitation_can_be_sent_again_until_a_password_is_set(signed_in_admin, colleague):
    page = "/workspace/admin/team"
    signed_in_admin.post(page, data={"csrf_token": csrf(signed_in_admin, page),
                                     "name": "Dora Neu", "email": "dora@praxis.example"})
    db.session.rollback()
    dora = db.session.scalar(select(Therapist).where(Therapist.email == "dora@praxis.example"))
    for member in (dora, colleague):  # the colleague has a password: nothing to resend
        member_page = f"{page}/{member.id}"
        signed_in_admin.post(f"{member_page}/invitation",
                             data={"csrf_token": csrf(signed_in_admin, member_page)})
    db.session.rollback()
    invited = [m.payload["therapist_id"] for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "invitation"))]
    assert invited == [dora.id, dora.id]


def test_the_admin_writes_the_words_visitors_read_about_a_therapist(signed_in_admin, colleague,
                                                                  first_session):
    edit(signed_in_admin, colleague, bio="Schwerpunkt Trennung und Neuanfang.")
    assert "Schwerpunkt Trennung und Neuanfang." in signed_in_admin.get("/book").get_data(
        as_text=True)


def test_the_admin_erases_a_past_clients_data_on_request(signed_in_admin, colleague,
                                                         colleagues_booking):
    page = f"/workspace/admin/bookings/{colleagues_booking.id}"
    confirmed = {"csrf_token": csrf(signed_in_admin, page), "confirm": "yes"}
    upcoming = signed_in_admin.post(f"{page}/erase", data=confirmed)
    assert "zuerst ab" in signed_in_admin.get(upcoming.location).get_data(as_text=True)
    signed_in_admin.post(f"{page}/cancel", data={"csrf_token": csrf(signed_in_admin, page),
                                                 "confirm": "yes"})
    unticked = signed_in_admin.post(f"{page}/erase",
                                    data={"csrf_token": csrf(signed_in_admin, page)})
    assert "Nichts wurde gelöscht" in signed_in_admin.get(unticked.location).get_data(
        as_text=True)
    assert "Kim Beispiel" in signed_in_admin.get(page).get_data(as_text=True)
    signed_in_admin.post(f"{page}/erase", data=confirmed)
    shown = signed_in_admin.get(page).get_data(as_text=True)
    assert "Kim Beispiel" not in shown and "kim@example.org" not in shown
    assert "(Klientendaten gelöscht)" in shown


def test_an_invited_therapist_reaches_neither_visitors_nor_the_hand_over_list_yet(
        signed_in_admin, colleague, colleagues_booking, first_session):
    page = "/workspace/admin/team"
    signed_in_admin.post(page, data={"csrf_token": csrf(signed_in_admin, page),
                                     "name": "Dora Neu", "email": "dora@praxis.example"})
    assert "Dora Neu" not in signed_in_admin.get("/book").get_data(as_text=True)
    booking_page = signed_in_admin.get(f"/workspace/admin/bookings/{colleagues_booking.id}")
    offered = booking_page.get_data(as_text=True)
    assert "Ada Admin (Deutsch)" in offered and "Dora Neu" not in offered


def test_a_booking_left_with_a_deactivated_therapist_is_flagged_in_all_bookings(
        signed_in_admin, colleague, colleagues_booking):
    deactivate(signed_in_admin, colleague)
    listing = signed_in_admin.get("/workspace/admin/bookings").get_data(as_text=True)
    assert "Therapeut/in deaktiviert: übergeben oder absagen" in listing


def test_visitors_read_about_a_therapist_in_their_language_or_else_in_the_other(
        signed_in_admin, colleague, first_session):
    edit(signed_in_admin, colleague, title="Psychologin", bio="Schwerpunkt Trennung.",
         title_en="Psychologist", bio_en="")
    english = signed_in_admin.get("/book?lang=en&speaks=any").get_data(as_text=True)
    assert "Psychologist" in english and "Psychologin" not in english
    assert "Schwerpunkt Trennung." in english  # no English words yet: the German ones
    german = signed_in_admin.get("/book?lang=de").get_data(as_text=True)
    assert "Psychologin" in german
