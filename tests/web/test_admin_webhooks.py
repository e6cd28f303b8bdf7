"""The admin's webhooks page: add a receiver, see its secret once, send a test event."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from booking.extensions import db
from booking.models import OutboxMessage, Role, WebhookEndpoint
from tests.support import reconfigure
from tests.web.workspace_support import PASSWORD, csrf, sign_in

PAGE = "/workspace/admin/webhooks"


@pytest.fixture
def admin_client(app, client, make_therapist):
    admin = make_therapist()
    admin.role = Role.ADMIN
    admin.set_password(PASSWORD)
    db.session.commit()
    sign_in(client, admin.email)
    return client


def add(client, url: str, **extra):
    return client.post(PAGE, data={"csrf_token": csrf(client, PAGE), "url": url,
                                   "events": ["booking.requested", "booking.confirmed"],
                                   **extra})


def test_a_new_receiver_shows_its_secret_once_and_stores_it_nowhere(app, admin_client):
    reconfigure(app, BUSY_ALLOWED_HOSTS=("127.0.0.1",))
    added = add(admin_client, "http://127.0.0.1:9/hooks")
    assert added.status_code == 200
    page = added.get_data(as_text=True)
    assert 'value="whsec_' in page
    secret = page.split('value="whsec_', 1)[1].split('"', 1)[0]
    db.session.rollback()  # the request committed in a session of its own: read afresh
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.events == ["booking.requested", "booking.confirmed"]
    assert endpoint.include_client_details is False  # off unless ticked
    assert secret not in str(endpoint.__dict__)
    assert "whsec_" not in admin_client.get(PAGE).get_data(as_text=True)


def test_events_are_named_in_words_with_the_id_the_receiving_system_knows(app, admin_client):
    reconfigure(app, BUSY_ALLOWED_HOSTS=("127.0.0.1",))
    page = admin_client.get(PAGE).get_data(as_text=True)
    assert "Gebucht, noch nicht bestätigt (booking.requested)</label>" in page
    assert "Nicht rechtzeitig bestätigt (die Reservierung ist verfallen) (booking.expired)" in page
    add(admin_client, "http://127.0.0.1:9/hooks")
    listed = admin_client.get(PAGE).get_data(as_text=True)
    assert "Gebucht, noch nicht bestätigt, Von Klient/in bestätigt ·" in listed


def test_events_are_offered_as_plain_checkboxes_not_as_a_bulleted_list(app, admin_client):
    page = admin_client.get(PAGE).get_data(as_text=True)
    events = page.split("<legend>", 1)[1].split("</fieldset>", 1)[0]
    assert "<ul" not in events and "<li" not in events
    assert events.count('<label class="choice"><input') == 5


def test_a_private_receiver_is_refused_in_the_admins_language(app, admin_client):
    answer = add(admin_client, "http://169.254.169.254/latest")
    assert answer.status_code == 422
    assert "169.254.169.254 ist nicht im öffentlichen Internet erreichbar." in \
        answer.get_data(as_text=True)
    assert db.session.scalar(select(WebhookEndpoint)) is None


@pytest.mark.parametrize("address", ["http://", "http://169.254.169.254/latest", "garbage"])
def test_a_refused_address_is_summarised_and_linked_to_its_field_and_nothing_is_saved(
        app, admin_client, address):
    answer = add(admin_client, address)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    message = re.search(r'<p class="error" id="url-error">([^<]+)</p>', page).group(1)
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert re.findall(r'<a href="#([\w-]+)">([^<]+)</a>', summary) == [("url", message)]
    field = re.search(r'<input[^>]*id="url"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="url-error"' in field
    assert re.search(r'<div class="field has-error">\s*<label for="url">', page)  # its look
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_a_receiver_without_events_is_summarised_and_linked_to_the_first_event(
        app, admin_client):
    answer = admin_client.post(PAGE, data={"csrf_token": csrf(admin_client, PAGE),
                                           "url": "https://hooks.example.org/in"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S).group(1)
    assert re.findall(r'href="#([\w-]+)"', summary) == ["events-0"]
    assert 'id="events-0"' in page
    assert re.search(r'<fieldset[^>]* aria-describedby="events-error"', page)
    assert 'id="events-error">Bitte wählen Sie mindestens ein Ereignis.<' in page
    assert db.session.scalar(select(WebhookEndpoint)) is None


def test_send_test_event_queues_a_call_listed_under_recent_deliveries(app, admin_client):
    reconfigure(app, BUSY_ALLOWED_HOSTS=("127.0.0.1",))
    add(admin_client, "http://127.0.0.1:9/hooks")
    db.session.rollback()
    endpoint = db.session.scalar(select(WebhookEndpoint))
    sent = admin_client.post(f"{PAGE}/{endpoint.id}/test",
                             data={"csrf_token": csrf(admin_client, PAGE)})
    assert sent.status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage.kind)) == "webhook"
    assert "webhook.test" in admin_client.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize("address", ["garbage", "ftp://hooks.example/in"])
def test_an_address_that_is_not_https_is_told_to_begin_with_https(admin_client, address):
    page = add(admin_client, address).get_data(as_text=True)
    message = re.search(r'<p class="error" id="url-error">([^<]+)</p>', page).group(1)
    assert message == "Die Adresse muss mit https:// beginnen."
