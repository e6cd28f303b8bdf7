"""Several servers, one database: what one server changes, every other server shows on
its next request. Each server keeps whole pages and API answers, keyed by the schedule
version it reads from the database on every request, so what is kept never outlives
a change made anywhere, nor the minute, nor the minimum notice of its first slot."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from PIL import Image

from booking import create_app
from booking.extensions import db
from booking.models import Booking, BookingRules, FeedScope, SessionType, Therapist, TimeOff
from booking.services import closing, feeds, practice
from booking.web.zones import zone_choices
from tests.conftest import FIXED_NOW, IsolatedClient, app_config
from tests.support import WEDNESDAY_9
from tests.web.forms import hidden_inputs


@pytest.fixture
def other_host(database_url, app):
    """A second instance of the service on the same database."""
    other = create_app(app_config(database_url))
    other.test_client_class = IsolatedClient
    yield other.test_client()
    with other.app_context():
        db.engine.dispose()


def offers(client, slug: str, start: datetime) -> bool:
    page = client.get(f"/book/{slug}?tz=Europe/Berlin").get_data(as_text=True)
    return f'datetime="{start.astimezone(UTC).isoformat()}"' in page


def api_offers(client, slug: str, start: datetime) -> bool:
    answer = client.get(f"/api/v1/therapists/{slug}/availability?start=2026-06-01"
                        f"&end=2026-06-08&tz=UTC").get_json()
    return start.astimezone(UTC).isoformat().replace("+00:00", "Z") in {
        slot["start"].replace("+00:00", "Z") for slot in answer["slots"]}


def team_api_offers(client, start: datetime) -> bool:
    answer = client.get("/api/v1/availability?start=2026-06-01&end=2026-06-08&tz=UTC")
    return start.astimezone(UTC).isoformat().replace("+00:00", "Z") in {
        slot["start"].replace("+00:00", "Z") for slot in answer.get_json()["slots"]}


def test_every_kept_answer_of_a_server_follows_a_booking_made_through_another(
        client, other_host, make_therapist, make_booking, first_session):
    anna = make_therapist()
    for host in (client, other_host):  # both keep their answers now
        assert offers(host, anna.slug, WEDNESDAY_9) and offers(host, "any", WEDNESDAY_9)
        assert api_offers(host, anna.slug, WEDNESDAY_9) and team_api_offers(host, WEDNESDAY_9)
    make_booking(anna)  # through this server's services
    for host in (client, other_host):
        assert not offers(host, anna.slug, WEDNESDAY_9) and not offers(host, "any", WEDNESDAY_9)
        assert not api_offers(host, anna.slug, WEDNESDAY_9)
        assert not team_api_offers(host, WEDNESDAY_9)


def test_the_team_page_kept_by_a_server_follows_a_deactivation_elsewhere(
        client, other_host, make_therapist, first_session):
    anna, ben = make_therapist(), make_therapist()
    assert ben.display_name in other_host.get("/book").get_data(as_text=True)
    db.session.get(Therapist, ben.id).active = False
    db.session.commit()
    assert ben.display_name not in other_host.get("/book").get_data(as_text=True)
    assert anna.display_name in other_host.get("/book").get_data(as_text=True)


def test_rule_and_session_type_changes_elsewhere_reach_kept_pages_at_once(
        client, other_host, make_therapist, first_session):
    anna = make_therapist()
    assert offers(other_host, anna.slug, WEDNESDAY_9)
    rules = db.session.scalar(db.select(BookingRules).filter_by(therapist_id=anna.id))
    rules.slot_step_minutes = 90  # 09:00, 10:30, ...: 09:00 stays
    db.session.commit()
    assert offers(other_host, anna.slug, WEDNESDAY_9)
    assert not offers(other_host, anna.slug, WEDNESDAY_9 + timedelta(hours=1))
    db.session.get(SessionType, first_session.id).active = False
    db.session.commit()
    assert other_host.get(f"/book/{anna.slug}").status_code == 503


def test_a_kept_page_drops_a_slot_the_moment_it_falls_inside_the_minimum_notice(
        client, make_therapist, first_session, clock):
    anna = make_therapist(minimum_notice_minutes=60)
    first = clock.now() + timedelta(hours=1)  # Monday 10:00 Berlin, offered just so
    assert offers(client, anna.slug, first)
    clock.advance(timedelta(seconds=1))  # the same minute, one second too late
    assert not offers(client, anna.slug, first)
    assert offers(client, anna.slug, first + timedelta(hours=2, minutes=30))  # 13:30


def test_a_booking_made_through_one_server_is_gone_from_every_servers_pages_at_once(
        client, other_host, make_therapist, make_booking, first_session):
    anna = make_therapist()
    assert offers(client, anna.slug, WEDNESDAY_9) and offers(other_host, anna.slug, WEDNESDAY_9)
    assert offers(other_host, "any", WEDNESDAY_9)
    make_booking(anna)  # through this server's services
    assert not offers(other_host, anna.slug, WEDNESDAY_9)
    assert not offers(other_host, "any", WEDNESDAY_9)


def test_time_off_set_through_one_server_is_seen_by_every_other_at_once(
        client, other_host, make_therapist, first_session):
    anna = make_therapist()
    assert offers(other_host, anna.slug, WEDNESDAY_9)
    db.session.add(TimeOff(therapist_id=anna.id, start_utc=WEDNESDAY_9.astimezone(UTC),
                           end_utc=WEDNESDAY_9.astimezone(UTC).replace(hour=16)))
    db.session.commit()
    assert not offers(other_host, anna.slug, WEDNESDAY_9)


def test_closing_days_set_and_lifted_through_one_server_reach_every_others_kept_pages(
        client, other_host, make_therapist, first_session):
    anna = make_therapist()
    assert offers(other_host, anna.slug, WEDNESDAY_9) and offers(other_host, "any", WEDNESDAY_9)
    period = closing.add_closing_period(first_day=WEDNESDAY_9.date(), last_day=WEDNESDAY_9.date(),
                                        label="Betriebsausflug", now=FIXED_NOW)
    assert not offers(other_host, anna.slug, WEDNESDAY_9)
    assert not offers(other_host, "any", WEDNESDAY_9)
    closing.remove_closing_period(period.id)
    assert offers(other_host, anna.slug, WEDNESDAY_9)


def test_a_feed_changed_through_one_server_has_a_new_etag_and_event_on_every_other(
        client, other_host, make_therapist, make_booking, first_session):
    anna = make_therapist()
    url = "/feeds/{}.ics".format(feeds.current_token(
        therapist_id=anna.id, scope=FeedScope.THERAPIST, secret_key="test-secret-key",
        now=FIXED_NOW))
    before = other_host.get(url)
    booking = make_booking(anna)
    after = other_host.get(url, headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert booking.ical_uid.encode() in after.data
    assert client.get(url).headers["ETag"] == after.headers["ETag"]


def locations(feed: bytes) -> list[str]:
    return [str(event.get("LOCATION", "")) for event in Calendar.from_ical(feed).walk("VEVENT")]


def test_a_default_meeting_link_changed_through_one_server_moves_every_servers_feeds(
        client, other_host, make_therapist, make_booking, first_session,
        set_practice_meeting_link):
    anna = make_therapist(meeting_url="")  # relies on the practice's default
    booking = make_booking(anna, confirmed=True)
    urls = ["/feeds/{}.ics".format(feeds.current_token(
        therapist_id=therapist_id, scope=scope, secret_key="test-secret-key", now=FIXED_NOW))
        for therapist_id, scope in ((anna.id, FeedScope.THERAPIST),
                                    (None, FeedScope.PRACTICE))]
    answers = {url: other_host.get(url) for url in urls}
    assert all(locations(answer.data) == [""] for answer in answers.values())
    for host in ("raum.praxis.example", "andere.praxis.example"):
        set_practice_meeting_link(f"https://{host}/{{room}}")
        for url, before in answers.items():
            after = other_host.get(url, headers={"If-None-Match": before.headers["ETag"]})
            assert after.status_code == 200
            assert locations(after.data) == [f"https://{host}/{booking.meeting_room}"]
            assert client.get(url).headers["ETag"] == after.headers["ETag"]
            answers[url] = after


def test_zone_labels_kept_for_a_minute_follow_the_clock_across_a_change_of_offset():
    berlin = ZoneInfo("Europe/Berlin")  # summer time from 01:00 UTC on 2026-03-29
    for locale in ("de", "en"):
        before = dict(zone_choices(datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC), berlin, locale))
        after = dict(zone_choices(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), berlin, locale))
        country = {"de": "Deutschland", "en": "Germany"}[locale]
        assert before["Europe/Berlin"] == f"Berlin, {country} (UTC+1)"
        assert after["Europe/Berlin"] == f"Berlin, {country} (UTC+2)"
        assert before["Europe/London"] != after["Europe/London"]


def test_the_practices_look_set_through_one_server_is_on_every_servers_pages_at_once(
        client, other_host, make_therapist, first_session):
    anna = make_therapist()
    before = other_host.get("/book").get_data(as_text=True)
    assert "Praxis am See" not in before and "/theme/" not in before
    defaults = practice.PracticeDetails(name="Praxis", email="praxis@example.org")
    looks = practice.save_details(practice.PracticeDetails(
        name="Praxis am See", email="praxis@example.org", accent="#7a1f5c"),
        defaults=defaults, now=FIXED_NOW)
    page = other_host.get("/book").get_data(as_text=True)
    assert "Praxis am See" in page and f"/theme/{looks.theme_version}.css" in page
    picture = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(picture, "PNG")
    photo = practice.set_photo(anna.id, picture.getvalue(), now=FIXED_NOW)
    page = other_host.get("/book").get_data(as_text=True)
    assert "Praxis am See" in page and f"/theme/{looks.theme_version}.css" in page
    assert f"/media/{photo}" in page
    assert other_host.get(f"/media/{photo}").status_code == 200


def book_on(host, slug: str, start: datetime, email: str) -> int:
    """The status of a visitor's booking through `host`'s form."""
    page = host.get(f"/book/{slug}/details?start={quote(start.isoformat())}")
    form = hidden_inputs(page.get_data(as_text=True))
    form.update(name="Kim Beispiel", email=email, mode="alone", consent="y",
                tz="Europe/Berlin", start=start.isoformat())
    return host.post(f"/book/{slug}/details", data=form).status_code


def test_a_server_that_kept_a_schedule_books_by_rules_changed_through_another(
        client, other_host, make_therapist, first_session):
    anna = make_therapist()
    assert book_on(other_host, anna.slug, WEDNESDAY_9, "kim@example.org") == 303  # kept
    db.session.rollback()  # this server's next transaction starts after that booking
    rules = db.session.scalar(db.select(BookingRules).filter_by(therapist_id=anna.id))
    rules.slot_step_minutes = 90  # 09:00, 10:30, ...: 10:00 is no longer a start
    db.session.commit()
    assert book_on(other_host, anna.slug, WEDNESDAY_9 + timedelta(hours=1),
                   "lu@example.org") == 409
    assert book_on(other_host, anna.slug, WEDNESDAY_9 + timedelta(hours=1, minutes=30),
                   "lu@example.org") == 303


def test_a_server_that_kept_a_schedule_books_nobody_deactivated_through_another(
        client, other_host, make_therapist, first_session):
    anna = make_therapist()
    assert book_on(other_host, anna.slug, WEDNESDAY_9, "kim@example.org") == 303  # kept
    db.session.rollback()  # this server's next transaction starts after that booking
    db.session.get(Therapist, anna.id).active = False
    db.session.commit()
    assert book_on(other_host, anna.slug, WEDNESDAY_9 + timedelta(hours=1),
                   "lu@example.org") == 404
    assert db.session.scalar(db.select(db.func.count(Booking.id))) == 1
