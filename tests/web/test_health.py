"""/healthz and /readyz for load balancers, and a plain 503 while the database is away."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from booking import create_app
from booking.extensions import db
from tests.conftest import IsolatedClient, app_config, empty_database

# Nothing listens on port 1: every connection is refused at once.
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/booking?connect_timeout=1"


@pytest.fixture
def database_down():
    app = create_app(app_config(UNREACHABLE))
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_process_says_it_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_ready_when_the_database_answers_and_is_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_a_connection_lost_after_the_page_was_ready_does_not_turn_it_into_a_500(
        app, client, first_session):
    lost = []

    def connection_lost(connection) -> None:  # the ROLLBACK that ends the request's read
        lost.append(True)
        raise OperationalError("ROLLBACK", {}, ConnectionError("server closed the connection"))

    event.listen(db.engine, "rollback", connection_lost, once=True)
    response = client.get("/book")
    assert lost
    assert response.status_code == 200
    assert client.get("/book").status_code == 200  # the next request gets a good connection


def test_without_a_database_the_process_lives_but_is_not_ready(database_down):
    client = database_down.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "error": "database unreachable"}


def test_without_a_database_visitors_get_a_plain_503_in_their_language(database_down):
    client = database_down.test_client()
    for language, words in (("de", "Wir erreichen unsere Buchungsdaten gerade nicht."),
                            ("en", "We cannot reach our booking records right now.")):
        response = client.get(f"/book?lang={language}")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        page = response.get_data(as_text=True)
        assert words in page
        assert "Traceback" not in page and "psycopg" not in page


def test_without_a_database_json_clients_get_json(database_down):
    response = database_down.test_client().get(
        "/book", headers={"Accept": "application/json"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json() == {
        "status": "unavailable",
        "error": "database unavailable: the service cannot reach its database"}


def test_without_a_database_a_signed_in_workspace_page_answers_503(database_down):
    client = database_down.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"
    for path in ("/workspace/", "/workspace/admin/"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"] == "30"
    # Even the refusal of a form without CSRF token needs the therapist for its page.
    response = client.post("/workspace/sign-in", data={"email": "a@b.de", "password": "x"})
    assert response.status_code == 503


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_database_one_migration_behind_is_not_ready(kind, tmp_path_factory):
    with empty_database(kind, tmp_path_factory) as url:
        app = create_app(app_config(url))
        with app.app_context():
            flask_migrate.upgrade()
            flask_migrate.downgrade(revision="-1")
            response = app.test_client().get("/readyz")
            db.engine.dispose()
    assert response.status_code == 503
    assert "latest migration" in response.get_json()["error"]
