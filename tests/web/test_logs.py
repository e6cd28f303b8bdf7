"""What the service writes to its log: useful to an operator, empty of personal data."""

import json
import logging

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import Booking
from booking.tokens import manage_token
from tests.support import berlin
from tests.web.forms import hidden_inputs
from tests.web.test_booking_flow import details_url, fill
from tests.web.workspace_support import PASSWORD, csrf, sign_in

VISITOR = {"name": "Kimberly Exampleton", "email": "kim.exampleton@example.org",
           "phone": "+49 170 5550123", "message": "Mein Mann und ich streiten nur noch",
           "partner_name": "Jonas Partnerling", "partner_email": "jonas.partner@example.org",
           "mode": "couple"}
NEXT_TUESDAY_9 = berlin("2026-06-09", "09:00")  # beyond the online-change cutoff


@pytest.fixture
def anna(make_therapist, first_session):
    therapist = make_therapist()
    therapist.display_name, therapist.slug = "Anna Berger", "anna"
    therapist.set_password(PASSWORD)
    db.session.commit()
    return therapist


@pytest.fixture
def log_output(app, capfd, caplog):
    """Everything logged while the test runs: the lines the app's handler writes to
    stderr, and every record any logger made (whatever handler a deployment adds)."""
    caplog.set_level(logging.DEBUG)

    def read() -> tuple[str, list[str]]:
        return capfd.readouterr().err, [record.getMessage() for record in caplog.records]

    return read


def a_day_in_the_life(client, anna) -> list[str]:
    """Book, confirm, cancel, guess a link, sign in wrongly and rightly, search: the
    secrets and personal values that went over the wire."""
    response = fill(client, details_url(NEXT_TUESDAY_9, source="getting-him-back"),
                    **VISITOR)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    db.session.rollback()
    booking = db.session.scalars(select(Booking)).one()
    token = manage_token("test-secret-key", booking.public_id)
    form = hidden_inputs(client.get(f"/b/{token}/confirm").get_data(as_text=True))
    assert client.post(f"/b/{token}/confirm", data=form).status_code == 303
    form = hidden_inputs(client.get(f"/b/{token}/cancel").get_data(as_text=True))
    assert client.post(f"/b/{token}/cancel", data={**form, "reason": "Wir haben uns versöhnt"},
                       ).status_code == 303
    assert client.get("/b/not-a-real-token-but-secret-looking").status_code == 404
    assert client.get("/feeds/guessed-feed-token-value.ics").status_code == 404
    assert sign_in(client, anna.email, "wrong-password-123").status_code == 401
    assert sign_in(client, anna.email).status_code == 303
    search = {"csrf_token": csrf(client), "q": "Exampleton"}
    assert client.post("/workspace/", data=search).status_code == 200
    assert client.get(f"/workspace/bookings/{booking.id + 1000}").status_code == 404
    return [token, "not-a-real-token-but-secret-looking", "guessed-feed-token-value",
            "wrong-password-123", PASSWORD, anna.email, "Wir haben uns versöhnt",
            "Exampleton", "Kimberly", "Partnerling", "5550123", "streiten",
            *VISITOR.values()]


def test_no_log_line_holds_a_token_or_personal_data(client, anna, log_output):
    secrets = a_day_in_the_life(client, anna)
    written, records = log_output()
    everything = written + "\n".join(records)
    leaked = [value for value in secrets if value not in ("couple",) and value in everything]
    assert not leaked
    assert "public.manage" in written  # the request lines are there, named by route


def test_each_request_is_one_line_with_its_id_route_status_and_duration(app, client, anna,
                                                                          capfd):
    from booking import logs

    logs.configure(json_lines=True)
    response = client.get("/book", headers={"X-Request-ID": "lb-1234"})
    lines = [json.loads(line) for line in capfd.readouterr().err.splitlines()
             if line.startswith("{")]
    request_line = next(line for line in lines if line["logger"] == "booking.request")
    assert response.headers["X-Request-ID"] == "lb-1234"
    assert request_line["request_id"] == "lb-1234"
    assert request_line["route"] == "public.team"
    assert request_line["status"] == 200
    assert request_line["duration_ms"] >= 0


def test_a_request_id_that_could_forge_log_lines_is_replaced(client, anna):
    response = client.get("/book", headers={"X-Request-ID": "x\" \"level\": \"forged"})
    assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.parametrize(("visit", "event"), [
    (lambda client, anna: client.get("/b/some-wrong-token"), "unknown_token"),
    (lambda client, anna: client.get("/feeds/some-wrong-token.ics"), "unknown_token"),
    (lambda client, anna: sign_in(client, anna.email, "not-the-password"), "sign_in_failed"),
    (lambda client, anna: client.get("/api/v1/bookings/abcdefgh"), "unauthenticated"),
    (lambda client, anna: (sign_in(client, anna.email),
                           client.get("/workspace/bookings/999999")), "not_found_or_not_theirs"),
])
def test_denied_access_is_a_security_event_with_route_and_account(client, anna, caplog, visit,
                                                                  event):
    caplog.set_level(logging.INFO, logger="booking.security")
    visit(client, anna)
    events = [r for r in caplog.records if r.name == "booking.security"]
    assert [r.event for r in events] == [event]
    assert events[0].route
    if event == "not_found_or_not_theirs":
        assert events[0].account == anna.id
