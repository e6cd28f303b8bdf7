"""The visitor's entry page and the service's health check."""

from booking.extensions import db
from booking.models import TimeOff
from tests.support import berlin


def test_the_team_page_shows_each_therapist_with_their_next_free_time(
        client, make_therapist, first_session):
    make_therapist()
    page = client.get("/").get_data(as_text=True)
    assert "Therapist 1" in page
    # The fixed clock stands at Monday 2026-06-01 10:00 Berlin; 10:00 is the next slot.
    assert '<time datetime="2026-06-01T08:00:00+00:00">' in page


def test_time_off_moves_the_next_free_time(client, make_therapist, first_session):
    therapist = make_therapist()
    therapist.time_off.append(TimeOff(start_utc=berlin("2026-06-01", "00:00"),
                                      end_utc=berlin("2026-06-03", "00:00"), note="Fortbildung"))
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert '<time datetime="2026-06-03T07:00:00+00:00">' in page
    assert "Fortbildung" not in page


def test_the_page_speaks_the_language_asked_for(client, make_therapist, first_session):
    make_therapist()
    assert '<html lang="en">' in client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="de">' in client.get("/?lang=de").get_data(as_text=True)


def test_busy_time_from_the_therapists_own_calendar_moves_the_next_free_time(
        client, make_therapist, first_session):
    from booking.models import BusyCalendar, BusyInterval

    therapist = make_therapist()
    calendar = BusyCalendar(therapist=therapist, url="https://cal.example/x.ics",
                            created_at=berlin("2026-05-01", "00:00"))
    calendar.intervals.append(BusyInterval(therapist_id=therapist.id,
                                           start_utc=berlin("2026-06-01", "09:30"),
                                           end_utc=berlin("2026-06-01", "12:00")))
    db.session.add(calendar)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert '<time datetime="2026-06-01T11:30:00+00:00">' in page  # 13:30 Berlin

