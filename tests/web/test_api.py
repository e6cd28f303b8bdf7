"""The JSON API, /api/v1: every operation and every error it documents."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from booking import create_app
from booking.extensions import db, limiter
from booking.models import Booking, BookingStatus, OutboxMessage
from tests.conftest import app_config
from tests.support import WEDNESDAY_9, at_once, berlin, reconfigure

API = "/api/v1"
PROBLEM = "application/problem+json"


def booking_body(**changes) -> dict:
    return {"start": WEDNESDAY_9.isoformat(), "name": "Kim Beispiel",
            "email": "kim@example.org", "consent": True, **changes}


@pytest.fixture
def anna(make_therapist, first_session):
    therapist = make_therapist(horizon_days=60)
    therapist.slug, therapist.display_name, therapist.languages = "anna", "Anna", ["de", "en"]
    therapist.title, therapist.title_en = "Psychologin", "Psychologist"
    db.session.commit()
    return therapist


def book(client, body: dict | None = None, **headers):
    return client.post(f"{API}/bookings", json=body or booking_body(therapist="anna"),
                       headers=headers)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_therapists_lists_the_team_with_title_in_the_requested_language_and_next_free(
        client, anna):
    answer = client.get(f"{API}/therapists?tz=America/New_York",
                        headers={"Accept-Language": "en"})
    assert answer.status_code == 200
    [therapist] = answer.json["therapists"]
    assert therapist["slug"] == "anna" and therapist["title"] == "Psychologist"
    assert therapist["languages"] == [{"code": "de", "name": "German"},
                                      {"code": "en", "name": "English"}]
    assert therapist["next_free_start"] == "2026-06-01T04:00:00-04:00"  # 10:00 in Berlin
    german = client.get(f"{API}/therapists", headers={"Accept-Language": "de"}).json
    assert german["therapists"][0]["title"] == "Psychologin"
    assert german["therapists"][0]["languages"][0]["name"] == "Deutsch"


def test_availability_gives_a_weeks_slots_with_the_offset_of_the_zone(client, anna):
    answer = client.get(f"{API}/therapists/anna/availability"
                        "?start=2026-06-01&end=2026-06-08&tz=America/New_York")
    assert answer.status_code == 200
    slots = answer.json["slots"]
    assert slots[0] == {"start": "2026-06-01T04:00:00-04:00", "end": "2026-06-01T04:50:00-04:00"}
    assert all(slot["start"].endswith("-04:00") for slot in slots)
    assert answer.json["start"] == "2026-06-01T00:00:00-04:00"
    # Hourly from 9:00 and 13:30 Berlin: 6 a weekday, Monday's from the clock's 10:00 on.
    assert len(slots) == 5 + 4 * 6


def test_team_availability_respects_the_language(client, anna, make_therapist):
    make_therapist()  # German only, same hours
    english = client.get(f"{API}/availability?start=2026-06-01&end=2026-06-02&language=en")
    assert english.status_code == 200 and english.json["therapist"] is None
    assert len(english.json["slots"]) == 5  # Monday from 10:00: Anna's alone


def test_availability_is_cached_briefly_and_answers_304_to_its_etag(client, anna):
    url = f"{API}/therapists/anna/availability?start=2026-06-01&end=2026-06-03"
    first = client.get(url)
    assert first.headers["Cache-Control"] in ("public, max-age=10", "max-age=10, public")
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    client.post(f"{API}/bookings", json=booking_body(therapist="anna",
                                                     start=berlin("2026-06-02", "09:00")
                                                     .isoformat()))
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200  # changed


@pytest.mark.parametrize(("query", "field"), [
    ("start=2026-06-01&end=2026-06-08&tz=Mars/Olympus", "tz"),
    ("start=2026-06-08&end=2026-06-01", "end"),
    ("start=2026-06-01&end=2026-08-03", "end"),
    ("start=yesterday&end=2026-06-08", "start"),
    ("end=2026-06-08", "start"),
    ("start=2026-06-01&end=2026-06-08&session_type=massage", "session_type"),
])
def test_a_bad_availability_query_is_a_400_problem_naming_the_parameter(client, anna, query,
                                                                        field):
    answer = client.get(f"{API}/therapists/anna/availability?{query}",
                        headers={"Accept-Language": "de"})
    assert answer.status_code == 400
    assert answer.content_type == PROBLEM
    assert answer.json["type"] == f"{API}/docs#problem-invalid-query"
    fields = [error["field"] for error in answer.json["errors"]]
    assert fields == [field], answer.json


def test_a_reversed_range_is_explained_in_the_requests_language(client, anna):
    url = f"{API}/availability?start=2026-06-08&end=2026-06-01"
    english = client.get(url, headers={"Accept-Language": "en"}).json
    german = client.get(url, headers={"Accept-Language": "de"}).json
    assert english["errors"] == [{"field": "end", "message": "The end must be after the start."}]
    assert german["errors"][0]["message"] == "Das Ende muss nach dem Anfang liegen."
    assert german["title"] == "Die Anfrage ist nicht gültig"


def test_an_unknown_therapist_is_a_404_problem(client, anna):
    answer = client.get(f"{API}/therapists/nobody/availability?start=2026-06-01&end=2026-06-02")
    assert answer.status_code == 404 and answer.content_type == PROBLEM


def test_booking_answers_201_pending_with_a_manage_token_and_sends_the_opt_in_mail(
        client, anna):
    answer = book(client)
    assert answer.status_code == 201, answer.json
    created = answer.json
    assert created["status"] == "pending"
    assert created["start"] == "2026-06-03T09:00:00+02:00"
    assert created["end"] == "2026-06-03T09:50:00+02:00"
    assert answer.headers["Location"] == f"{API}/bookings/{created['id']}"
    booking = db.session.scalar(select(Booking))
    assert booking.public_id == created["id"]
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["confirm_request"]  # the same double opt-in as the form
    seen = client.get(f"{API}/bookings/{created['id']}", headers=bearer(created["manage_token"]))
    assert seen.status_code == 200 and seen.json["status"] == "pending"
    assert "manage_token" not in seen.json


def test_first_available_books_someone_who_speaks_the_language(client, anna, make_therapist):
    make_therapist()  # German only
    answer = book(client, booking_body(language="en"))
    assert answer.status_code == 201
    assert answer.json["therapist"]["slug"] == "anna"


def test_a_taken_slot_is_a_409_with_the_three_nearest_alternatives(client, anna):
    assert book(client).status_code == 201
    answer = book(client, booking_body(therapist="anna", email="other@example.org"))
    assert answer.status_code == 409 and answer.content_type == PROBLEM
    assert answer.json["type"].endswith("#problem-slot-taken")
    alternatives = [a["start"] for a in answer.json["alternatives"]]
    assert alternatives[:2] == ["2026-06-03T10:00:00+02:00", "2026-06-03T11:00:00+02:00"]
    assert len(alternatives) == 3 and WEDNESDAY_9.isoformat() not in alternatives
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"consent": False}, "consent", "Bitte stimmen Sie der Verarbeitung Ihrer Angaben zu, "
                                    "damit wir den Termin buchen können."),
    ({"email": "not-an-address"}, "email", "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
    ({"name": ""}, "name", "Dieses Feld darf nicht leer sein."),
    ({"start": "2026-06-03T09:00:00"}, "start", None),
    ({"timezone": "Berlin"}, "timezone", None),
    ({"therapist": "nobody"}, "therapist", None),
    ({"name": "Kim\x00"}, "name", None),
    ({"name": "Kim\ud800"}, "name", None),
    ({"surprise": 1}, "surprise", "Dieses Feld ist nicht bekannt."),
    ({"message": "x" * 1001}, "message", None),
])
def test_an_invalid_booking_is_a_422_with_field_errors_in_german_and_books_nothing(
        client, anna, changes, field, message):
    answer = client.post(f"{API}/bookings", headers={"Accept-Language": "de"},
                         data=json.dumps(booking_body(**{"therapist": "anna", **changes})),
                         content_type="application/json")
    assert answer.status_code == 422 and answer.content_type == PROBLEM
    errors = {error["field"]: error["message"] for error in answer.json["errors"]}
    assert field in errors, answer.json
    if message:
        assert errors[field] == message
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0


def test_a_body_that_is_not_json_is_refused(client, anna):
    assert client.post(f"{API}/bookings", data="name=Kim",
                       content_type="application/x-www-form-urlencoded").status_code == 415
    broken = client.post(f"{API}/bookings", data="{", content_type="application/json")
    assert broken.status_code == 400 and broken.content_type == PROBLEM
    listed = client.post(f"{API}/bookings", json=[1])
    assert listed.status_code == 422


def test_the_same_idempotency_key_and_body_gets_the_first_answer(client, anna):
    first = book(client, **{"Idempotency-Key": "k-1"})
    again = book(client, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


def test_the_same_idempotency_key_with_another_body_is_a_422(client, anna):
    assert book(client, **{"Idempotency-Key": "k-1"}).status_code == 201
    other = book(client, booking_body(therapist="anna", name="Someone Else"),
                 **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.json["type"].endswith("#problem-idempotency-key-reused")
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


def test_a_malformed_idempotency_key_is_a_400(client, anna):
    assert book(client, **{"Idempotency-Key": "x" * 256}).status_code == 400


@pytest.fixture
def unlimited_app(database_url) -> Iterator:
    """An app without rate limits (eight clients at once would exceed the form's).
    Flask-Limiter keeps `enabled` on its one shared object: restored afterwards."""
    app = create_app(app_config(database_url, RATELIMIT_ENABLED=False))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    limiter.enabled = True


def test_one_idempotency_key_from_eight_threads_books_once(app, anna, unlimited_app):
    start = threading.Barrier(8)
    answers: list = []

    def post() -> None:
        client = unlimited_app.test_client()
        start.wait()
        answers.append(book(client, **{"Idempotency-Key": "same-key"}))

    at_once(*[post] * 8)
    assert [a.status_code for a in answers] == [201] * 8, [a.json for a in answers]
    assert len({a.json["id"] for a in answers}) == 1
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1


def test_booking_is_rate_limited_with_retry_after(client, anna):
    answers = [book(client, booking_body(therapist="anna", email=f"p{n}@example.org",
                                         start=berlin("2026-06-04", f"{9 + n:02d}:00")
                                         .isoformat())) for n in range(6)]
    assert [a.status_code for a in answers][-1] == 429
    assert answers[-1].content_type == PROBLEM
    assert int(answers[-1].headers["Retry-After"]) > 0


def test_a_person_with_a_first_consultation_gets_an_answer_that_looks_the_same(client, anna):
    first = book(client)
    second = book(client, booking_body(therapist="anna", start=berlin("2026-06-04", "09:00")
                                       .isoformat()))
    assert first.status_code == second.status_code == 201
    assert set(second.json) == set(first.json)
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
    missing = client.get(f"{API}/bookings/{second.json['id']}",
                         headers=bearer(second.json["manage_token"]))
    assert missing.status_code == 404


def test_a_booking_needs_its_token(client, anna):
    created = book(client).json
    url = f"{API}/bookings/{created['id']}"
    no_token = client.get(url)
    assert no_token.status_code == 401 and no_token.headers["WWW-Authenticate"] == "Bearer"
    assert client.get(url, headers=bearer("wrong")).status_code == 404
    other = book(client, booking_body(therapist="anna", email="b@example.org",
                                      start=berlin("2026-06-04", "09:00").isoformat())).json
    assert client.get(url, headers=bearer(other["manage_token"])).status_code == 404


def test_cancel_with_the_token_cancels_and_tells_everyone(client, anna):
    created = book(client).json
    answer = client.post(f"{API}/bookings/{created['id']}/cancel", json={"reason": "ill"},
                         headers=bearer(created["manage_token"]))
    assert answer.status_code == 200 and answer.json["status"] == "cancelled"
    assert db.session.scalar(select(Booking.status)) is BookingStatus.CANCELLED
    bare = client.post(f"{API}/bookings/{created['id']}/cancel",
                       headers=bearer(created["manage_token"]))
    assert bare.status_code == 200  # twice is harmless, and the body is optional


def test_cancel_too_close_to_the_start_is_a_409(client, anna, clock):
    created = book(client).json
    clock.set(berlin("2026-06-03", "08:00"))
    answer = client.post(f"{API}/bookings/{created['id']}/cancel",
                         headers=bearer(created["manage_token"]))
    assert answer.status_code == 409 and answer.json["type"].endswith("#problem-too-late")


def test_reschedule_moves_to_a_free_slot_and_refuses_a_taken_one(client, anna):
    created = book(client).json
    other = book(client, booking_body(therapist="anna", email="b@example.org",
                                      start=berlin("2026-06-04", "09:00").isoformat())).json
    url = f"{API}/bookings/{created['id']}/reschedule"
    moved = client.post(url, json={"start": berlin("2026-06-05", "10:00").isoformat()},
                        headers=bearer(created["manage_token"]))
    assert moved.status_code == 200 and moved.json["start"] == "2026-06-05T10:00:00+02:00"
    taken = client.post(url, json={"start": other["start"]},
                        headers=bearer(created["manage_token"]))
    assert taken.status_code == 409 and len(taken.json["alternatives"]) == 3
    assert client.post(url, json={}, headers=bearer(created["manage_token"])).status_code == 422


def test_cors_answers_only_the_embedding_origins(app, client, anna):
    reconfigure(app, EMBED_ORIGINS=("https://praxis.example",))
    allowed = client.options(f"{API}/bookings", headers={
        "Origin": "https://praxis.example", "Access-Control-Request-Method": "POST"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://praxis.example"
    assert "Idempotency-Key" in allowed.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    other = client.get(f"{API}/therapists", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]


def test_the_api_never_sets_a_cookie(client, anna):
    created = book(client).json
    for response in (
        client.get(f"{API}/therapists?lang=en"), client.get(f"{API}/docs?lang=en"),
        client.get(f"{API}/openapi.json"), client.get(f"{API}/nothing"),
        book(client, booking_body(therapist="anna", consent=False)),
        client.post(f"{API}/bookings/{created['id']}/cancel",
                    headers=bearer(created["manage_token"])),
    ):
        assert "Set-Cookie" not in response.headers, response.request.path


def test_errors_under_the_api_are_problems_even_without_a_route(client):
    unknown = client.get(f"{API}/nothing", headers={"Accept-Language": "de"})
    assert unknown.status_code == 404 and unknown.content_type == PROBLEM
    assert unknown.json["title"] == "Nicht gefunden"
    wrong_method = client.delete(f"{API}/therapists")
    assert wrong_method.status_code == 405 and wrong_method.content_type == PROBLEM


def test_docs_show_every_operation_without_anything_from_another_site(client):
    page = client.get(f"{API}/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path in ("/api/v1/therapists", "/api/v1/bookings/{public_id}/reschedule",
                 "problem-slot-taken"):
        assert path in html
    assert "http://" not in html and "https://" not in html and "<script" not in html
