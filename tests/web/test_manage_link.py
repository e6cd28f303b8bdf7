"""The visitor's manage link: GET shows, only POST acts."""

import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

import icalendar
import pytest

from booking.extensions import db
from booking.models import Booking, BookingStatus, TimeOff
from booking.web.public.forms import RescheduleForm
from tests.support import WEDNESDAY_9, berlin
from tests.web.forms import hidden_inputs, visitor_form_token


@pytest.fixture
def pending(make_booking, token_of) -> tuple[Booking, str]:
    booking = make_booking(name="Kim", locale="en", timezone="America/New_York")
    return booking, token_of(booking)


def fresh(booking: Booking) -> Booking:
    """The booking as the database has it now (ending this test's read snapshot)."""
    db.session.rollback()
    return db.session.get(Booking, booking.id)


def status_of(booking: Booking) -> BookingStatus:
    return fresh(booking).status


def post_form(client, page_url: str, action: str, **data):
    form = hidden_inputs(client.get(page_url).get_data(as_text=True))
    return client.post(action, data={"csrf_token": form["csrf_token"], **data})


def move_url(token: str, start) -> str:
    """The step before a move: the page that asks "move to this time?"."""
    return f"/b/{token}/move?" + urlencode({"start": start.isoformat()})


def test_following_the_confirmation_link_confirms_nothing(client, pending):
    booking, token = pending
    for _ in range(3):  # a mail scanner may open it several times
        assert client.get(f"/b/{token}/confirm").status_code == 200
        client.head(f"/b/{token}/confirm")
    assert status_of(booking) is BookingStatus.PENDING


def test_pressing_the_button_confirms(client, pending):
    booking, token = pending
    response = post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    assert response.status_code == 303
    assert status_of(booking) is BookingStatus.CONFIRMED
    page = client.get(f"/b/{token}").get_data(as_text=True)
    assert "Ihre Buchung ist bestätigt" in page
    assert "invite.ics" in page and "calendar.google.com" in page


def test_the_confirmed_page_shows_the_time_in_the_visitors_zone(client, pending):
    booking, token = pending
    post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    page = client.get(f"/b/{token}").get_data(as_text=True)
    assert "3:00" in page and "(New York, Vereinigte Staaten)" in page  # 09:00 Berlin


def test_a_wrong_token_is_not_found(client, pending):
    _, token = pending
    assert client.get("/b/not-a-real-token").status_code == 404
    assert post_form(client, f"/b/{token}/cancel", "/b/not-a-real-token/cancel"
                     ).status_code == 404


def test_following_the_cancel_link_cancels_nothing(client, pending):
    booking, token = pending
    for _ in range(3):
        assert client.get(f"/b/{token}/cancel").status_code == 200
        client.head(f"/b/{token}/cancel")
    assert status_of(booking) is BookingStatus.PENDING


def test_cancelling_from_the_manage_page(client, pending):
    booking, token = pending
    manage = client.get(f"/b/{token}").get_data(as_text=True)
    assert f'href="/b/{token}/cancel"' in manage
    response = post_form(client, f"/b/{token}/cancel", f"/b/{token}/cancel",
                         reason="Zeit passt nicht")
    assert response.status_code == 303
    assert status_of(booking) is BookingStatus.CANCELLED
    assert "Diese Buchung ist abgesagt" in client.get(f"/b/{token}").get_data(as_text=True)


def test_moving_to_another_free_slot_keeps_the_booking(client, pending):
    booking, token = pending
    post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    later = WEDNESDAY_9 + timedelta(hours=1)
    response = post_form(client, move_url(token, later), f"/b/{token}/reschedule",
                         start=later.isoformat())
    assert response.status_code == 303
    moved = fresh(booking)
    assert (moved.id, moved.start_utc, moved.sequence) == (booking.id, later, 1)


def test_moving_to_a_time_that_is_not_offered_changes_nothing(client, pending):
    booking, token = pending
    offered = WEDNESDAY_9 + timedelta(hours=1)
    response = post_form(client, move_url(token, offered), f"/b/{token}/reschedule",
                         start=(WEDNESDAY_9 + timedelta(minutes=7)).isoformat())
    assert response.status_code == 409
    assert fresh(booking).start_utc == WEDNESDAY_9


def test_close_to_the_appointment_the_page_says_how_to_reach_the_practice(
        client, pending, clock):
    booking, token = pending
    post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    clock.set(WEDNESDAY_9 - timedelta(hours=23))
    page = client.get(f"/b/{token}").get_data(as_text=True)
    assert "Änderungen online nicht mehr möglich" in page
    assert 'action="/b/' not in page.split("Ändern oder absagen")[1].split("</section>")[0]


def test_the_calendar_download_is_the_same_event_as_the_invites(client, pending):
    booking, token = pending
    post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    response = client.get(f"/b/{token}/invite.ics")
    assert response.content_type == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    event = icalendar.Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert str(event["UID"]) == booking.ical_uid
    assert int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].dt.astimezone(UTC) == WEDNESDAY_9


def test_the_web_calendar_links_carry_no_manage_link(client, pending):
    _, token = pending
    post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    page = client.get(f"/b/{token}").get_data(as_text=True)
    google = re.search(r'href="(https://calendar\.google\.com[^"]+)"', page).group(1)
    assert token not in google and "%2Fb%2F" not in google


def test_a_lapsed_reservation_downloads_no_calendar_file(client, pending, clock, policy):
    _, token = pending
    clock.advance(policy.hold)
    assert client.get(f"/b/{token}/invite.ics").status_code == 404


def test_a_lapsed_reservation_says_so_and_offers_a_new_booking(client, pending, clock, policy):
    _, token = pending
    clock.advance(policy.hold)
    page = client.get(f"/b/{token}").get_data(as_text=True)
    assert "Diese Reservierung ist abgelaufen" in page
    assert "Änderungen online nicht mehr möglich" not in page


def test_the_move_page_does_not_offer_the_time_the_booking_has(client, pending):
    _, token = pending
    page = client.get(f"/b/{token}/reschedule?week=2026-06-01&tz=Europe/Berlin").get_data(
        as_text=True)
    later = (WEDNESDAY_9 + timedelta(hours=1)).astimezone(UTC).isoformat()
    assert later in page
    assert WEDNESDAY_9.astimezone(UTC).isoformat() not in page


def finish(booking: Booking, *, attended: bool, clock) -> None:
    """The session took place (or the client did not come), as the therapist marks it."""
    clock.set(WEDNESDAY_9 + timedelta(minutes=55))
    finished = fresh(booking)
    if attended:
        finished.complete(clock.now())
    else:
        finished.mark_no_show(clock.now())
    db.session.commit()


@pytest.mark.parametrize("attended", [True, False], ids=["completed", "no-show"])
def test_a_finished_booking_downloads_no_calendar_file(client, pending, clock, attended):
    booking, token = pending
    post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    finish(booking, attended=attended, clock=clock)
    assert client.get(f"/b/{token}/invite.ics").status_code == 404


@pytest.mark.parametrize("attended", [True, False], ids=["completed", "no-show"])
def test_the_manage_page_of_a_finished_booking_offers_no_change(client, pending, clock,
                                                                attended):
    booking, token = pending
    post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    finish(booking, attended=attended, clock=clock)
    response = client.get(f"/b/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "invite.ics" not in page
    assert f"/b/{token}/reschedule" not in page
    assert f"/b/{token}/cancel" not in page
    assert "Ändern oder absagen" not in page


@pytest.mark.parametrize("attended", [True, False], ids=["completed", "no-show"])
def test_a_finished_booking_cannot_be_moved(app, client, pending, clock, attended):
    booking, token = pending
    post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    finish(booking, attended=attended, clock=clock)
    page = client.get(f"/b/{token}/reschedule").get_data(as_text=True)
    assert "nicht mehr aktiv" in page
    assert 'name="start"' not in page
    # As from a move page opened just before the session: a genuine, current form token.
    form_token = visitor_form_token(app, f"/b/{token}/reschedule", RescheduleForm)
    response = client.post(f"/b/{token}/reschedule", data={
        "csrf_token": form_token, "start": (WEDNESDAY_9 + timedelta(days=1)).isoformat()})
    assert response.status_code == 409
    assert fresh(booking).start_utc == WEDNESDAY_9
    assert fresh(booking).status is (
        BookingStatus.COMPLETED if attended else BookingStatus.NO_SHOW)


def test_without_a_fixed_meeting_link_the_page_says_the_link_follows(client, make_booking,
                                                                     token_of, policy):
    booking = make_booking(confirmed=True)
    page = client.get(f"/b/{token_of(booking)}?lang=en").get_data(as_text=True)
    assert "The practice sends you the link to the video room before the session" in page
    assert "open this link in your browser" not in page


def test_with_a_fixed_meeting_link_the_page_shows_it(client, make_therapist, make_booking,
                                                     token_of):
    therapist = make_therapist(meeting_url="https://meet.example/anna")
    booking = make_booking(therapist, confirmed=True)
    page = client.get(f"/b/{token_of(booking)}?lang=en").get_data(as_text=True)
    assert 'open this link in your browser; no installation is needed:' in page
    assert 'href="https://meet.example/anna"' in page


def test_the_manage_page_shows_the_bookings_own_room(client, make_therapist, make_booking,
                                                     token_of):
    therapist = make_therapist(meeting_url="https://video.praxis.example/{room}")
    booking = make_booking(therapist, confirmed=True)
    other = make_booking(therapist, start=booking.start_utc + timedelta(hours=1),
                         email="other@example.org", confirmed=True)
    page = client.get(f"/b/{token_of(booking)}?lang=en").get_data(as_text=True)
    assert f'href="https://video.praxis.example/{booking.meeting_room}"' in page
    assert other.meeting_room not in page and "{room}" not in page


def test_the_manage_page_cancels_nothing_itself_it_links_to_the_confirmation_step(
        client, make_booking, token_of):
    token = token_of(make_booking(confirmed=True))
    page = client.get(f"/b/{token}").get_data(as_text=True)
    assert f'action="/b/{token}/cancel"' not in page
    assert f'href="/b/{token}/cancel"' in page


def test_the_cancel_step_says_what_ends_and_who_is_told_and_leads_back(
        client, make_booking, token_of):
    booking = make_booking(confirmed=True, partner_name="Alex",
                           partner_email="alex@example.org")
    token = token_of(booking)
    page = client.get(f"/b/{token}/cancel?lang=en").get_data(as_text=True)
    assert "Cancel your booking?" in page
    assert "9:00" in page  # Wednesday 09:00, in Berlin
    assert f"{booking.therapist.display_name} is told" in page
    assert "You receive a confirmation of the cancellation by email." in page
    assert "alex@example.org receives it too." in page
    assert f'action="/b/{token}/cancel?lang=en"' in page
    assert f'href="/b/{token}?lang=en">No, keep my booking' in page


def test_the_cancel_step_of_an_unconfirmed_booking_tells_only_the_visitor(client, pending):
    booking, token = pending
    page = client.get(f"/b/{token}/cancel?lang=en").get_data(as_text=True)
    assert f"{booking.therapist.display_name} is told" not in page
    assert "You receive a confirmation of the cancellation by email." in page


def test_the_cancel_step_is_not_offered_when_changes_are_closed(client, pending, clock):
    _, token = pending
    post_form(client, f"/b/{token}/confirm", f"/b/{token}/confirm")
    clock.set(WEDNESDAY_9 - timedelta(hours=23))
    response = client.get(f"/b/{token}/cancel")
    assert response.status_code == 302 and response.location.endswith(f"/b/{token}")


def test_tapping_a_time_on_the_move_page_only_opens_the_confirmation_step(client, pending):
    booking, token = pending
    page = client.get(f"/b/{token}/reschedule?week=2026-06-01&tz=Europe/Berlin").get_data(
        as_text=True)
    later = WEDNESDAY_9 + timedelta(hours=1)
    assert 'method="post"' not in page.split("week-title")[1]
    start = later.astimezone(UTC).isoformat().replace("+", "%2B")
    assert f'href="/b/{token}/move?start={start}&amp;tz=Europe/Berlin"' in page
    assert client.get(move_url(token, later)).status_code == 200
    assert fresh(booking).start_utc == WEDNESDAY_9


def test_the_move_step_shows_the_old_and_new_time_and_who_is_told(client, make_booking,
                                                                   token_of):
    booking = make_booking(confirmed=True)
    token = token_of(booking)
    later = WEDNESDAY_9 + timedelta(hours=1)
    page = client.get(move_url(token, later) + "&lang=en").get_data(as_text=True)
    assert "Move your booking?" in page
    assert "<del>" in page and "9:00" in page.split("<del>")[1].split("</del>")[0]
    assert "10:00" in page.split("New time")[1]
    assert f"{booking.therapist.display_name} is told" in page
    assert "You receive an updated calendar invitation by email." in page
    form = hidden_inputs(page)
    assert datetime.fromisoformat(form["start"]) == later
    assert f'action="/b/{token}/reschedule?' in page
    assert "No, choose another time" in page and "Keep the current time" in page


def test_the_move_step_of_an_unconfirmed_booking_says_nobody_is_told(client, pending):
    _, token = pending
    page = client.get(move_url(token, WEDNESDAY_9 + timedelta(hours=1)) + "&lang=en"
                      ).get_data(as_text=True)
    assert "Nobody is told yet" in page


def test_the_move_step_for_a_time_no_longer_free_offers_no_button(client, pending,
                                                                  make_booking):
    booking, token = pending
    taken = WEDNESDAY_9 + timedelta(hours=1)
    make_booking(booking.therapist, start=taken, email="alex@example.org")
    response = client.get(move_url(token, taken))
    assert response.status_code == 409
    assert 'name="start"' not in response.get_data(as_text=True)


def test_a_time_taken_while_confirming_the_move_shows_again_its_week_in_the_visitors_zone(
        client, pending, make_booking):
    booking, token = pending
    # Monday 09:00 in Berlin is still Sunday evening in Pago Pago: that zone's week
    # of June 8, not the week of the 15th and not the first week with free times.
    lost, zone = berlin("2026-06-15", "09:00"), "tz=Pacific/Pago_Pago&lang=en"
    form = hidden_inputs(client.get(f"{move_url(token, lost)}&{zone}").get_data(as_text=True))
    make_booking(booking.therapist, start=lost, email="alex@example.org")  # a moment before
    response = client.post(f"/b/{token}/reschedule?{zone}", data=form)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This time was just taken." in page
    assert "Week of Monday, June 8, 2026" in page
    assert (lost + timedelta(hours=1)).astimezone(UTC).isoformat() in page
    assert fresh(booking).start_utc == WEDNESDAY_9


def test_the_move_step_without_a_readable_time_goes_back_to_the_picker(client, pending):
    _, token = pending
    response = client.get(f"/b/{token}/move?start=soon")
    assert response.status_code == 302 and f"/b/{token}/reschedule" in response.location


def test_an_empty_week_on_the_move_page_offers_a_jump_to_the_next_free_time(client, pending):
    booking, token = pending
    booking.therapist.time_off.append(TimeOff(start_utc=berlin("2026-06-08", "00:00"),
                                              end_utc=berlin("2026-06-22", "00:00")))
    db.session.commit()
    page = client.get(f"/b/{token}/reschedule?week=2026-06-15&tz=Europe/Berlin&lang=en"
                      ).get_data(as_text=True)
    assert "No free times in this week." in page
    jump = re.search(r'class="jump" href="([^"]+)">Next free time: ([^<]+)<', page)
    assert jump.group(1) == (f"/b/{token}/reschedule?week=2026-06-22"
                             "&amp;tz=Europe/Berlin&amp;lang=en")
    assert "June 22" in jump.group(2)


def test_a_week_with_free_times_on_the_move_page_needs_no_jump(client, pending):
    _, token = pending
    page = client.get(f"/b/{token}/reschedule?week=2026-06-01&tz=Europe/Berlin"
                      ).get_data(as_text=True)
    assert 'class="jump"' not in page


FRIDAY_EVENING = berlin("2026-06-05", "19:00")  # nothing left this week
NEXT_WEDNESDAY_9 = berlin("2026-06-10", "09:00")


@pytest.fixture
def move_page_on_friday_evening(client, make_therapist, make_booking, token_of, clock):
    """The move page, opened from the manage link on Friday evening (with `query` added
    to its address), of a booking next Wednesday at 09:00 with a therapist of `rules`."""

    def open_page(query: str = "", **rules) -> str:
        booking = make_booking(make_therapist(**rules), start=NEXT_WEDNESDAY_9, confirmed=True)
        clock.set(FRIDAY_EVENING)
        return client.get(f"/b/{token_of(booking)}/reschedule?tz=Europe/Berlin&lang=en{query}"
                          ).get_data(as_text=True)

    return open_page


def test_on_friday_evening_the_move_page_opens_on_the_first_week_with_a_free_time(
        move_page_on_friday_evening):
    page = move_page_on_friday_evening()
    assert "Week of Monday, June 8, 2026" in page
    assert "first week with free times" in page
    assert NEXT_WEDNESDAY_9.astimezone(UTC).isoformat() not in page  # its own time is no move
    assert (NEXT_WEDNESDAY_9 + timedelta(hours=1)).astimezone(UTC).isoformat() in page
    assert 'rel="prev"' in page  # the empty current week stays one link away


def test_a_week_asked_for_on_the_move_page_is_kept_even_when_empty(
        move_page_on_friday_evening):
    page = move_page_on_friday_evening("&week=2026-06-01")
    assert "Week of Monday, June 1, 2026" in page
    assert "No free times in this week." in page and 'class="jump"' in page
    assert "first week with free times" not in page


def test_the_move_page_does_not_open_on_a_week_whose_only_free_time_is_its_own(
        move_page_on_friday_evening):
    # One time a week, Wednesdays at 09:00: next week's is the booking's own.
    page = move_page_on_friday_evening(weekdays=[2], hours=((time(9), time(10)),))
    assert "Week of Monday, June 15, 2026" in page
    assert berlin("2026-06-17", "09:00").astimezone(UTC).isoformat() in page


def test_the_move_page_opens_on_times_only_the_booking_itself_held_back(
        move_page_on_friday_evening):
    # One session a day, on Wednesdays: next Wednesday is full only until it moves.
    page = move_page_on_friday_evening(weekdays=[2], daily_cap=1)
    assert "Week of Monday, June 8, 2026" in page
    assert (NEXT_WEDNESDAY_9 + timedelta(hours=1)).astimezone(UTC).isoformat() in page


def test_choosing_another_time_opens_in_the_zone_the_visitor_booked_in(client, pending):
    booking, token = pending  # booked in America/New_York
    manage = client.get(f"/b/{token}").get_data(as_text=True)
    [link] = re.findall(rf'href="(/b/{token}/reschedule[^"]*)"', manage)
    assert "tz=America/New_York" in link.replace("%2F", "/")
    page = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="America/New_York" selected' in page
    # The page knows the zone: zone.js must not swap in the browser's.
    assert "data-zone-known" in page


def test_the_move_step_names_the_zone_of_the_old_and_the_new_time(client, pending):
    booking, token = pending
    later = WEDNESDAY_9 + timedelta(hours=1)
    page = client.get(move_url(token, later) + "&tz=America/New_York&lang=en").get_data(
        as_text=True)
    old, new = re.findall(r"<dd>(.*?)</dd>", page, re.S)[:2]
    assert "3:00" in old and "(New York, United States)" in old  # 09:00 Berlin
    assert "4:00" in new and "(New York, United States)" in new
