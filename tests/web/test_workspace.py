"""The therapists' workspace: sign-in, their own bookings only, the feed card."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import BookingStatus, BusyCalendar, OutboxMessage, TimeOff
from booking.services import bookings
from booking.web.workspace import PUBLIC_ENDPOINTS
from tests.conftest import FIXED_NOW
from tests.support import berlin, reconfigure
from tests.web.forms import hidden_inputs
from tests.web.workspace_support import PASSWORD, csrf, sign_in


@pytest.fixture
def other_booking(make_booking):
    return make_booking(start=berlin("2026-06-03", "09:00"), name="Lou Fremd",
                        email="lou@example.org")


@pytest.fixture
def own_booking(anna, make_booking):
    return make_booking(anna, start=berlin("2026-06-03", "10:00"))


def workspace_rules(app, with_booking: bool | None = None):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("workspace.")
             and r.endpoint not in PUBLIC_ENDPOINTS]
    if with_booking is not None:
        rules = [r for r in rules if ("booking_id" in r.arguments) == with_booking]
    return rules


def test_every_workspace_route_with_an_id_is_covered_by_an_ownership_test(app):
    """A new route that names a record must be added to the tests below."""
    covered = {"booking_id", *OTHER_RECORDS}
    for rule in workspace_rules(app):
        assert {a for a in rule.arguments if a.endswith("_id")} <= covered, rule.rule


def path_of(rule, record_id: int = 1) -> str:
    """The rule's path with every id in it set to `record_id`."""
    return re.sub(r"<int:\w+_id>", str(record_id), rule.rule)


def test_signing_in_with_the_right_password_opens_the_dashboard(client, anna):
    response = sign_in(client, anna.email.upper())
    assert response.status_code == 303
    assert response.location.endswith("/workspace/")
    assert client.get("/workspace/").status_code == 200


def test_an_unknown_email_and_a_wrong_password_get_the_same_answer(client, anna):
    unknown = sign_in(client, "nobody@example.org")
    wrong = sign_in(client, anna.email, "falsches-passwort")
    assert unknown.status_code == wrong.status_code == 401
    assert "E-Mail-Adresse oder Passwort stimmen nicht." in unknown.get_data(as_text=True)
    assert re.sub(r'value="[^"]*"', "", unknown.get_data(as_text=True)) == re.sub(
        r'value="[^"]*"', "", wrong.get_data(as_text=True))


def test_repeated_failed_sign_ins_are_throttled(client, anna):
    answers = [sign_in(client, anna.email, f"wrong-{n}").status_code for n in range(11)]
    assert answers == [401] * 10 + [429]


def test_signed_out_every_workspace_page_leads_to_sign_in(app, client):
    for rule in workspace_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path_of(rule), method=method)
            assert response.status_code in (302, 400), (rule.rule, method)
            if response.status_code == 302:
                assert "/workspace/sign-in" in response.location


def test_another_therapists_booking_is_not_found_on_every_route(
        app, client, anna, other_booking):
    sign_in(client, anna.email)
    token = csrf(client)
    rules = workspace_rules(app, with_booking=True)
    assert rules, "the workspace has booking routes"
    for rule in rules:
        path = path_of(rule, other_booking.id)
        if "GET" in rule.methods:
            assert client.get(path).status_code == 404, rule.rule
        if "POST" in rule.methods:
            response = client.post(path, data={"csrf_token": token, "message": "x",
                                               "attended": "yes", "note": "x"})
            assert response.status_code == 404, rule.rule
    db.session.rollback()
    assert db.session.get(type(other_booking), other_booking.id).status is BookingStatus.PENDING


def test_a_post_without_csrf_token_is_refused(app, client, anna, own_booking):
    sign_in(client, anna.email)
    for rule in workspace_rules(app):
        if "POST" in rule.methods:
            assert client.post(path_of(rule, own_booking.id)).status_code == 400, rule.rule


def test_signing_out_ends_the_session_on_the_server_too(app, client, anna):
    sign_in(client, anna.email)
    stolen = client.get_cookie("session").value
    client.post("/workspace/sign-out", data={"csrf_token": csrf(client)})
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/workspace/")
    assert response.status_code == 302 and "/workspace/sign-in" in response.location


def test_the_dashboard_lists_own_upcoming_bookings_with_pending_ones_marked(
        client, anna, own_booking, other_booking):
    sign_in(client, anna.email)
    page = client.get("/workspace/").get_data(as_text=True)
    assert "Kim Beispiel" in page and "Lou Fremd" not in page
    assert "noch nicht bestätigt" in page
    assert "Mittwoch, 3. Juni 2026" in page


def test_with_only_a_cancelled_booking_the_dashboard_says_none_is_upcoming_not_none_at_all(
        client, anna, own_booking):
    bookings.cancel_by_therapist(own_booking.id, therapist_id=anna.id, message="",
                                 now=FIXED_NOW)
    sign_in(client, anna.email)
    upcoming = client.get("/workspace/").get_data(as_text=True)
    assert "Keine anstehenden Buchungen." in upcoming and "noch keine" not in upcoming
    assert "Vergangene und abgesagte Buchungen anzeigen" in upcoming
    assert "Kim Beispiel" in client.get("/workspace/?past=1").get_data(as_text=True)


def test_the_workspace_names_the_therapists_zone_by_place_not_by_tz_id(
        client, anna, own_booking):
    sign_in(client, anna.email)
    for path in ("/workspace/", f"/workspace/bookings/{own_booking.id}", "/workspace/hours"):
        page = client.get(path).get_data(as_text=True)
        assert "Berlin, Deutschland" in page and "Europe/Berlin" not in page.replace(
            'value="Europe/Berlin"', ""), path


def test_the_dashboard_search_finds_by_name_or_email(client, anna, own_booking):
    sign_in(client, anna.email)

    def search(term: str) -> str:
        response = client.post("/workspace/", data={"csrf_token": csrf(client), "q": term})
        assert response.status_code == 200  # shown at once: no redirect with the term
        return response.get_data(as_text=True)

    assert "Kim Beispiel" in search("kim@")
    assert "Kim Beispiel" not in search("zzz")
    search("%_\\")  # LIKE's wildcards and escape are plain text (a 200, checked above)


def test_the_dashboard_search_is_never_read_from_the_address(client, anna, own_booking):
    sign_in(client, anna.email)
    assert "Kim Beispiel" in client.get("/workspace/?q=zzz").get_data(as_text=True)
    without_token = client.post("/workspace/", data={"q": "zzz"})
    assert without_token.status_code == 400


def test_cancelling_from_the_workspace_tells_the_client_with_the_message(
        client, anna, own_booking):
    sign_in(client, anna.email)
    page = f"/workspace/bookings/{own_booking.id}"
    response = client.post(f"{page}/cancel", data={"csrf_token": csrf(client, page),
                                                    "confirm": "yes",
                                                    "message": "Ich bin leider erkrankt."})
    assert response.status_code == 303
    db.session.rollback()
    cancelled = db.session.get(type(own_booking), own_booking.id)
    assert (cancelled.status, cancelled.cancel_reason) == (BookingStatus.CANCELLED,
                                                            "Ich bin leider erkrankt.")
    kinds = [m.kind for m in db.session.scalars(select(OutboxMessage))]
    assert "booking_cancelled" in kinds


def test_a_private_note_is_kept_and_shown_only_in_the_workspace(client, anna, own_booking):
    sign_in(client, anna.email)
    page = f"/workspace/bookings/{own_booking.id}"
    client.post(f"{page}/note", data={"csrf_token": csrf(client, page), "note": "Rückruf"})
    assert "Rückruf" in client.get(page).get_data(as_text=True)


def test_the_feed_addresses_are_labelled_by_the_programs_that_take_them(client, anna):
    # Not by their scheme: on a development server the first address is http.
    sign_in(client, anna.email)
    page = client.get("/workspace/calendar-feed?lang=de").get_data(as_text=True)
    labels = re.findall(r'<label for="(?:https|webcal)-url">([^<]+)</label>', page)
    assert labels == ["Adresse für Google Kalender und andere Programme",
                      "Adresse für Apple Kalender und Outlook (webcal)"]


def test_the_feed_card_shows_a_working_address_and_rotation_ends_the_old_one(client, anna):
    sign_in(client, anna.email)
    page = client.get("/workspace/calendar-feed").get_data(as_text=True)
    https = re.search(r'value="(http://[^"]+\.ics)"', page).group(1)
    assert 'value="webcal://' in page
    path = https.split("5000", 1)[1]
    assert client.get(path).status_code == 200
    client.post("/workspace/calendar-feed/rotate",
                data={"csrf_token": csrf(client, "/workspace/calendar-feed")})
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/book"])
def test_sign_in_never_redirects_outside_the_workspace(client, anna, target):
    form = hidden_inputs(client.get("/workspace/sign-in").get_data(as_text=True))
    response = client.post(f"/workspace/sign-in?next={target}",
                           data={**form, "email": anna.email, "password": PASSWORD})
    assert response.location.endswith("/workspace/")


@pytest.fixture
def calendar_server(app):
    from tests.busy.server import running

    reconfigure(app, BUSY_ALLOWED_HOSTS=("127.0.0.1",))
    with running() as server:
        yield server


def test_adding_a_calendar_reads_it_and_lists_it_by_host_only(
        client, anna, calendar_server):
    from tests.busy.server import PRACTICE_ICS

    url = calendar_server.serve(body=PRACTICE_ICS, headers={"Content-Type": "text/calendar"})
    sign_in(client, anna.email)
    page = "/workspace/busy-calendars"
    response = client.post(page, data={"csrf_token": csrf(client, page), "url": url,
                                       "label": "Privat"})
    assert response.status_code == 303
    listing = client.get(page).get_data(as_text=True)
    assert "Privat" in listing and "Zuletzt gelesen" in listing
    assert url.split("/", 3)[3] not in listing  # the secret path is never shown


def test_a_private_address_is_refused_and_nothing_is_saved(app, client, anna):
    from booking.services import busy_calendars

    reconfigure(app, BUSY_ALLOWED_HOSTS=())
    sign_in(client, anna.email)
    page = "/workspace/busy-calendars"
    response = client.post(page, data={"csrf_token": csrf(client, page),
                                       "url": "http://169.254.169.254/latest/meta-data/"})
    assert response.status_code == 422
    assert ("Diese Adresse kann nicht verwendet werden. 169.254.169.254 ist nicht im "
            "öffentlichen Internet erreichbar.") in response.get_data(as_text=True)
    db.session.rollback()
    assert busy_calendars.busy_calendars_of(anna.id) == []


def test_adding_the_same_calendar_twice_says_so_and_keeps_one(client, anna, calendar_server):
    from booking.services import busy_calendars
    from tests.busy.server import PRACTICE_ICS

    url = calendar_server.serve(body=PRACTICE_ICS, headers={"Content-Type": "text/calendar"})
    sign_in(client, anna.email)
    page = "/workspace/busy-calendars"
    for _ in range(2):
        response = client.post(page, data={"csrf_token": csrf(client, page), "url": url})
    assert response.status_code == 422
    assert "Diesen Kalender haben Sie bereits hinzugefügt." in response.get_data(as_text=True)
    db.session.rollback()
    assert len(busy_calendars.busy_calendars_of(anna.id)) == 1


def test_a_calendar_that_failed_says_why_in_the_therapists_language(
        client, anna, calendar_server):
    url = calendar_server.serve(status=404, body=b"gone")
    sign_in(client, anna.email)
    page = "/workspace/busy-calendars"
    client.post(page, data={"csrf_token": csrf(client, page), "url": url})
    listing = client.get(page).get_data(as_text=True)
    assert "127.0.0.1 antwortete mit Fehler 404" in listing


def test_the_therapist_chooses_full_details_for_their_feed(client, anna, own_booking):
    sign_in(client, anna.email)
    page = "/workspace/calendar-feed"
    https = re.search(r'value="(http://[^"]+\.ics)"', client.get(page).get_data(as_text=True))
    path = https.group(1).split("5000", 1)[1]
    assert b"Kim Beispiel" not in client.get(path).data
    client.post("/workspace/calendar-feed/details",
                data={"csrf_token": csrf(client, page), "full": "yes"})
    assert b"Kim Beispiel" in client.get(path).data


WEEK = {"monday": "09:00-12:30, 13:30-17:00", "tuesday": "09:00-12:30, 13:30-17:00",
        "wednesday": "10:00-12:00", "thursday": "", "friday": "", "saturday": "", "sunday": ""}


def save_hours(client, **days):
    page = "/workspace/hours"
    return client.post(page, data={"csrf_token": csrf(client, page), **{**WEEK, **days}})


def slot_times(page: str) -> list[str]:
    return re.findall(r'datetime="([^"]+)"', page)


def test_the_hours_preview_shows_exactly_what_the_public_picker_offers(client, anna, first_session):
    sign_in(client, anna.email)
    assert save_hours(client).status_code == 200
    preview = client.get("/workspace/hours").get_data(as_text=True)
    preview_slots = slot_times(preview.split("<h2", 3)[-1])
    public = [t for week in ("2026-06-01", "2026-06-08", "2026-06-15")
              for t in slot_times(client.get(f"/book/{anna.slug}?week={week}").get_data(
                  as_text=True))]
    horizon = "2026-06-15T08:00"  # the preview covers the next 14 days from the fixed clock
    assert preview_slots == [t for t in public if t < horizon]
    assert "2026-06-03T08:00:00+00:00" in preview_slots  # Wednesday 10:00 Berlin


def test_the_hours_preview_shows_times_as_plain_text_not_as_buttons(client, anna,
                                                                    first_session):
    sign_in(client, anna.email)
    page = client.get("/workspace/hours").get_data(as_text=True)
    preview = page.split("<h2", 3)[-1].split("</main>")[0]  # the preview, not the footer
    assert slot_times(preview)  # there are times to show
    assert 'class="slot"' not in preview and "<a " not in preview and "<button" not in preview


def test_the_feed_addresses_have_copy_buttons_that_appear_with_script(client, anna):
    sign_in(client, anna.email)
    page = client.get("/workspace/calendar-feed").get_data(as_text=True)
    buttons = re.findall(r'<button type="button"[^>]*data-copy-target="([^"]+)"[^>]*hidden>'
                         r"Adresse kopieren</button>", page)
    assert buttons == ["https-url", "webcal-url"]
    assert 'id="https-url" type="text" readonly' in page  # without script: select and copy
    assert "select-on-focus.js" in page


@pytest.mark.parametrize("text, message", [
    ("09:00-12:30, 12:00-14:00", "Zwei Zeiträume überschneiden sich."),
    ("17:00-09:00", "endet, bevor es beginnt"),
    ("neun bis zwölf", "hat nicht die Form 09:00-12:30"),
    ("25:00-26:00", "ist keine Uhrzeit"),
])
def test_inconsistent_hours_are_refused_with_a_message_and_nothing_is_saved(
        client, anna, text, message):
    sign_in(client, anna.email)
    before = [(h.weekday, h.start_time, h.end_time) for h in anna.working_hours]
    response = save_hours(client, wednesday=text)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert [(h.weekday, h.start_time, h.end_time) for h in anna.working_hours] == before


def test_new_hours_leave_bookings_alone_and_name_those_now_outside(client, anna, own_booking):
    sign_in(client, anna.email)
    response = save_hours(client, wednesday="14:00-17:00")
    page = response.get_data(as_text=True)
    assert "außerhalb Ihrer Zeiten" in page and "Kim Beispiel" in page
    db.session.rollback()
    assert db.session.get(type(own_booking), own_booking.id).status is BookingStatus.PENDING


def post_time_off(client, first_day: str, last_day: str, *, from_time: str = "",
                  to_time: str = "", note: str = "", follow_redirects: bool = False):
    """The time-off form of the hours page, sent as a therapist fills it in."""
    return client.post("/workspace/time-off", data={
        "csrf_token": csrf(client, "/workspace/hours"), "first_day": first_day,
        "last_day": last_day, "from_time": from_time, "to_time": to_time, "note": note},
        follow_redirects=follow_redirects)


def test_time_off_removes_the_slots_from_the_public_page(client, anna, first_session):
    sign_in(client, anna.email)
    week = f"/book/{anna.slug}?week=2026-06-01"
    assert "2026-06-02T07:00:00+00:00" in client.get(week).get_data(as_text=True)
    post_time_off(client, "2026-06-02", "2026-06-02", note="Fortbildung")
    page = client.get(week).get_data(as_text=True)
    assert "2026-06-02T" not in page
    assert "2026-06-03T07:00:00+00:00" in page
    assert "Fortbildung" not in page


def test_part_day_time_off_takes_only_those_hours(client, anna, first_session):
    sign_in(client, anna.email)
    post_time_off(client, "2026-06-02", "2026-06-02", from_time="09:00", to_time="11:00")
    page = client.get(f"/book/{anna.slug}?week=2026-06-01").get_data(as_text=True)
    assert "2026-06-02T07:00:00+00:00" not in page  # 09:00 Berlin
    assert "2026-06-02T09:00:00+00:00" in page  # 11:00 Berlin


def time_off_count() -> int:
    db.session.rollback()
    return len(db.session.scalars(select(TimeOff)).all())


def test_reversed_days_of_time_off_are_named_at_the_field_and_keep_what_was_typed(
        client, anna, first_session):
    sign_in(client, anna.email)
    response = post_time_off(client, "2026-06-10", "2026-06-08", note="Fortbildung")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="last_day-error">Der letzte Tag liegt vor dem ersten\.<', page)
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="last_day"[^>]*>', page).group(0)
    assert 'value="2026-06-10"' in page and 'value="2026-06-08"' in page
    assert 'value="Fortbildung"' in page
    assert time_off_count() == 0


def test_a_same_day_time_off_ending_before_it_starts_is_named_at_the_end_time(
        client, anna, first_session):
    sign_in(client, anna.email)
    response = post_time_off(client, "2026-06-10", "2026-06-10", from_time="14:00",
                             to_time="09:00")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="to_time-error">Die Abwesenheit endet, bevor sie beginnt.<' in page
    assert 'value="14:00"' in page and 'value="09:00"' in page
    assert time_off_count() == 0


def test_time_off_that_is_over_already_is_refused_not_saved_where_nobody_sees_it(
        client, anna, first_session):
    # A mistyped year used to be "saved", listed nowhere and blocking nothing.
    sign_in(client, anna.email)
    response = post_time_off(client, "2025-06-02", "2025-06-03")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ('id="last_day-error">Diese Abwesenheit ist schon vorbei. Bitte prüfen Sie die '
            'Daten, auch das Jahr.<') in page
    assert 'value="2025-06-02"' in page
    assert time_off_count() == 0


def test_time_off_that_began_earlier_today_and_lasts_on_is_still_taken(
        client, anna, first_session):
    sign_in(client, anna.email)  # FIXED_NOW is 10:00 in Berlin on 1 June 2026
    response = post_time_off(client, "2026-06-01", "2026-06-01", from_time="08:00",
                             to_time="12:00")
    assert response.status_code == 303
    assert time_off_count() == 1


def test_missing_days_of_time_off_each_say_which_day_is_missing(client, anna, first_session):
    sign_in(client, anna.email)
    response = post_time_off(client, "", "")
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>',
                        response.get_data(as_text=True), re.S).group(1)
    assert re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary) == [
        ("first_day", "Bitte geben Sie den ersten Tag Ihrer Abwesenheit an."),
        ("last_day", "Bitte geben Sie den letzten Tag Ihrer Abwesenheit an "
                     "(bei einem einzelnen Tag denselben Tag)."),
    ]


def test_a_part_day_time_off_to_the_end_of_the_day_is_listed_until_midnight(
        client, anna, first_session):
    sign_in(client, anna.email)
    response = post_time_off(client, "2026-06-10", "2026-06-10", from_time="14:00",
                             follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "10.06.2026, 14:00 – 24:00" in page
    assert "11.06.2026" not in page


def test_a_failed_time_off_leaves_the_weekly_hours_form_as_stored(client, anna, first_session):
    sign_in(client, anna.email)
    before = client.get("/workspace/hours").get_data(as_text=True)
    monday = re.search(r'<input[^>]*name="monday"[^>]*>', before).group(0)
    response = post_time_off(client, "", "")
    assert response.status_code == 422
    assert monday in response.get_data(as_text=True)


def test_the_workspace_shows_who_is_signed_in(client, anna):
    sign_in(client, anna.email)
    page = client.get("/workspace/hours?lang=en").get_data(as_text=True)
    assert f'<span class="signed-in">Signed in as {anna.display_name}</span>' in page


RULES = {"buffer_before_minutes": "0", "buffer_after_minutes": "10",
         "minimum_notice_hours": "0", "horizon_days": "60", "slot_step_minutes": "30",
         "daily_cap": "", "meeting_url": "https://meet.example/anna", "languages": ["de", "en"]}


def test_booking_rules_change_what_visitors_are_offered(client, anna, first_session):
    sign_in(client, anna.email)
    page = "/workspace/rules"
    response = client.post(page, data={"csrf_token": csrf(client, page), **RULES})
    assert response.status_code == 303
    public = client.get(f"/book/{anna.slug}?week=2026-06-01").get_data(as_text=True)
    assert "2026-06-02T07:30:00+00:00" in public  # a 30-minute grid now
    assert "Englisch" in client.get("/book").get_data(as_text=True)


@pytest.mark.parametrize("field, value", [
    ("horizon_days", "0"), ("slot_step_minutes", "-5"), ("buffer_after_minutes", "viel"),
    ("meeting_url", "javascript:alert(1)"), ("languages", []), ("minimum_notice_hours", "-1"),
    ("minimum_notice_hours", "bald"),
])
def test_impossible_booking_rules_are_refused_and_nothing_is_saved(client, anna, field, value):
    sign_in(client, anna.email)
    page = "/workspace/rules"
    response = client.post(page, data={"csrf_token": csrf(client, page), **RULES,
                                       field: value})
    assert response.status_code == 422
    db.session.rollback()
    assert anna.rules.slot_step_minutes == 60 and anna.languages == ["de"]


@pytest.mark.parametrize("field, value, message", [
    ("buffer_before_minutes", "-5", "Bitte geben Sie zwischen 0 und 240 Minuten an."),
    ("slot_step_minutes", "1", "Bitte geben Sie zwischen 5 und 240 Minuten an."),
    ("minimum_notice_hours", "999", "Bitte geben Sie zwischen 0 und 336 Stunden an."),
    ("horizon_days", "0", "Bitte geben Sie zwischen 1 und 365 Tage an."),
    ("daily_cap", "0", "Bitte geben Sie eine Zahl zwischen 1 und 50 an, oder lassen Sie "
                       "das Feld leer für keine Grenze."),
])
def test_a_booking_rule_out_of_range_says_the_unit_and_range_to_type(
        client, anna, field, value, message):
    # Not WTForms' bare "Zahl muss zwischen 0 und 240 liegen.", which the error summary
    # shows without saying which of six number fields it means.
    sign_in(client, anna.email)
    page = "/workspace/rules"
    response = client.post(page, data={"csrf_token": csrf(client, page), **RULES,
                                       field: value})
    assert response.status_code == 422
    assert f'id="{field}-error">{message}<' in response.get_data(as_text=True)


@pytest.mark.parametrize("template, message", [
    ("http://video.praxis.example/{room}", "Bitte geben Sie eine vollständige Adresse an"),
    ("https://video.praxis.example/{room}/{room}", "Verwenden Sie {room} höchstens einmal"),
    ("https://{room}.praxis.example/", "Das ist keine vollständige Webadresse"),
])
def test_a_meeting_link_template_that_is_not_sane_is_refused_with_the_reason(
        client, anna, template, message):
    sign_in(client, anna.email)
    page = "/workspace/rules"
    response = client.post(page, data={"csrf_token": csrf(client, page), **RULES,
                                       "meeting_url": template})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert anna.rules.meeting_url == ""


def test_a_fixed_meeting_link_is_saved_with_a_warning_that_every_client_shares_the_room(
        client, anna):
    sign_in(client, anna.email)
    page = "/workspace/rules"
    client.post(page, data={"csrf_token": csrf(client, page), **RULES})
    db.session.rollback()
    assert anna.rules.meeting_url == "https://meet.example/anna"
    warned = client.get(page + "?lang=en").get_data(as_text=True)
    assert 'class="problem shared-room"' in warned and "every client meets you" in warned
    client.post(page, data={"csrf_token": csrf(client, page), **RULES,
                            "meeting_url": "https://video.praxis.example/{room}"})
    db.session.rollback()
    assert anna.rules.meeting_url == "https://video.praxis.example/{room}"
    assert "shared-room" not in client.get(page).get_data(as_text=True)


def test_an_empty_meeting_link_says_that_the_practices_default_applies_and_shows_it(
        client, anna, set_practice_meeting_link):
    set_practice_meeting_link("https://raum.praxis.example/{room}")
    sign_in(client, anna.email)
    page = "/workspace/rules?lang=en"
    shown = unescape(client.get(page).get_data(as_text=True))
    assert ("Left empty, your sessions use the practice's link: "
            "https://raum.praxis.example/{room}") in shown
    anna.rules.meeting_url = "https://video.praxis.example/{room}"
    db.session.commit()
    assert "raum.praxis.example" not in client.get(page).get_data(as_text=True)


def test_an_empty_meeting_link_field_shows_the_practices_link_as_its_placeholder(
        client, anna, set_practice_meeting_link):
    sign_in(client, anna.email)
    page = "/workspace/rules"
    set_practice_meeting_link("https://raum.praxis.example/{room}")
    assert 'placeholder="https://raum.praxis.example/{room}"' in client.get(page).get_data(
        as_text=True)
    set_practice_meeting_link("")
    assert 'placeholder="https://video.praxis.example/{room}"' in client.get(page).get_data(
        as_text=True)


def test_the_booking_page_labels_every_detail_alike_without_a_colon(client, anna,
                                                                    make_booking):
    booking = make_booking(anna, start=berlin("2026-06-03", "10:00"), phone="030 123456",
                           partner_name="Sam", message="Kurz vorab", cta_source="article")
    sign_in(client, anna.email)
    page = client.get(f"/workspace/bookings/{booking.id}").get_data(as_text=True)
    details = page.split('<dl class="summary">', 1)[1].split("</dl>", 1)[0]
    labels = [term.split("</dt>", 1)[0] for term in details.split("<dt>")[1:]]
    assert {"E-Mail", "Telefon", "Partner/in", "Nachricht", "Gekommen über"} <= set(labels)
    assert not [label for label in labels if label.endswith(":")]


def test_the_booking_page_gives_the_therapist_the_sessions_own_room(client, anna,
                                                                    make_booking):
    anna.rules.meeting_url = "https://video.praxis.example/{room}"
    db.session.commit()
    booking = make_booking(anna, start=berlin("2026-06-03", "10:00"))
    sign_in(client, anna.email)
    page = client.get(f"/workspace/bookings/{booking.id}").get_data(as_text=True)
    assert (f'href="https://video.praxis.example/{booking.meeting_room}" rel="noreferrer" '
            'class="meeting-room"') in page


# For each kind of record a workspace route can name: how to make one of another
# therapist's. A route naming a kind not listed here fails the coverage test above.
OTHER_RECORDS = {
    "calendar_id": lambda other: BusyCalendar(therapist=other, url="https://cal.example/s.ics",
                                              created_at=FIXED_NOW),
    "time_off_id": lambda other: TimeOff(therapist=other, start_utc=FIXED_NOW,
                                         end_utc=berlin("2026-06-05", "00:00")),
}


@pytest.mark.parametrize("argument", sorted(OTHER_RECORDS))
def test_another_therapists_records_cannot_be_changed(
        app, client, anna, make_therapist, argument):
    theirs = OTHER_RECORDS[argument](make_therapist())
    db.session.add(theirs)
    db.session.commit()
    kind, record_id = type(theirs), theirs.id
    sign_in(client, anna.email)
    rules = [rule for rule in workspace_rules(app) if argument in rule.arguments]
    assert rules
    for rule in rules:
        response = client.post(path_of(rule, record_id), data={"csrf_token": csrf(client)})
        assert response.status_code == 404, rule.rule
    db.session.rollback()
    assert db.session.get(kind, record_id) is not None


def change_password(client, current, new, repeat=None):
    page = "/workspace/password"
    return client.post(page, data={"csrf_token": csrf(client, page), "current": current,
                                   "new": new, "repeat": repeat or new})


def test_changing_the_password_keeps_this_session_and_ends_all_others(app, client, anna):
    sign_in(client, anna.email)
    elsewhere = app.test_client()  # a second browser
    sign_in(elsewhere, anna.email)
    response = change_password(client, PASSWORD, "ein-neues-passwort")
    assert response.status_code == 303
    assert client.get("/workspace/").status_code == 200
    assert elsewhere.get("/workspace/").status_code == 302
    assert sign_in(app.test_client(), anna.email, "ein-neues-passwort").status_code == 303
    assert sign_in(app.test_client(), anna.email, PASSWORD).status_code == 401


@pytest.mark.parametrize("current, new, repeat, message", [
    ("falsch-falsch", "ein-neues-passwort", None, "Das aktuelle Passwort stimmt nicht."),
    (PASSWORD, "kurz", None, "mindestens 10 Zeichen"),
    (PASSWORD, "ein-neues-passwort", "ein-anderes-passwort", "stimmen nicht überein"),
])
def test_a_password_change_that_cannot_be_made_changes_nothing(
        client, anna, current, new, repeat, message):
    sign_in(client, anna.email)
    response = change_password(client, current, new, repeat)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert anna.check_password(PASSWORD)


def test_an_address_too_long_for_the_index_is_refused_in_words(app, client, anna):
    reconfigure(app, BUSY_ALLOWED_HOSTS=("127.0.0.1",))
    sign_in(client, anna.email)
    page = "/workspace/busy-calendars"
    response = client.post(page, data={"csrf_token": csrf(client, page),
                                       "url": "http://127.0.0.1/" + "日" * 700})
    assert response.status_code == 422
    assert "Die Adresse ist zu lang." in response.get_data(as_text=True)


def test_time_off_over_a_booked_session_keeps_it_and_names_it(client, anna, own_booking):
    sign_in(client, anna.email)
    post_time_off(client, "2026-06-03", "2026-06-03")
    page = client.get("/workspace/hours").get_data(as_text=True)
    assert "fallen in Ihre Abwesenheit" in page and "Kim Beispiel" in page
    db.session.rollback()
    assert db.session.get(type(own_booking), own_booking.id).status is BookingStatus.PENDING


def test_a_cancellation_without_the_tick_cancels_nothing_and_says_why(client, anna, own_booking):
    sign_in(client, anna.email)
    page = f"/workspace/bookings/{own_booking.id}"
    response = client.post(f"{page}/cancel", data={"csrf_token": csrf(client, page),
                                                    "message": "Ich bin leider erkrankt."})
    assert "Nichts wurde abgesagt" in client.get(response.location).get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(type(own_booking), own_booking.id).status is BookingStatus.PENDING


@pytest.mark.parametrize("hours, minutes", [("1.5", 90), ("10", 600), ("0", 0)])
def test_minimum_notice_is_given_in_hours(client, anna, first_session, hours, minutes):
    sign_in(client, anna.email)
    page = "/workspace/rules"
    client.post(page, data={"csrf_token": csrf(client, page), **RULES,
                            "minimum_notice_hours": hours})
    db.session.rollback()
    assert anna.rules.minimum_notice_minutes == minutes
    assert f'value="{hours}"' in client.get(page).get_data(as_text=True)


def test_a_mail_to_the_client_that_bounced_is_named_on_the_booking_page(client, anna,
                                                                        own_booking):
    message = db.session.scalars(select(OutboxMessage)).first()
    message.status, message.last_error = "failed", "SMTP 550 5.1.1 recipient rejected"
    db.session.commit()
    sign_in(client, anna.email)
    page = client.get(f"/workspace/bookings/{own_booking.id}").get_data(as_text=True)
    assert "E-Mails, die nicht angekommen sind" in page
    assert "Die Adresse existiert nicht oder nimmt keine E-Mails an" in page
    assert "(Antwort des Servers: 550)" in page


def test_a_booking_whose_mail_arrived_shows_no_delivery_problem(client, anna, own_booking):
    sign_in(client, anna.email)
    page = client.get(f"/workspace/bookings/{own_booking.id}").get_data(as_text=True)
    assert "nicht angekommen" not in page
