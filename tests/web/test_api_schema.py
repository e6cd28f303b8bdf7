"""The OpenAPI document: valid OpenAPI 3.1, and the app keeps to it under
schemathesis's generated requests (no 5xx, no answer the document does not allow)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_31_VALIDATOR

from booking.extensions import db


def test_the_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    OPENAPI_31_VALIDATOR.validate(document)
    assert set(document["paths"]) == {
        "/api/v1/therapists", "/api/v1/therapists/{slug}/availability", "/api/v1/availability",
        "/api/v1/bookings", "/api/v1/bookings/{public_id}",
        "/api/v1/bookings/{public_id}/cancel", "/api/v1/bookings/{public_id}/reschedule"}


def test_the_document_describes_the_schemas_that_validate_requests(client):
    """One source: a field the model takes is a field the document shows."""
    from booking.web.api.schemas import BookingRequest

    document = client.get("/api/v1/openapi.json").json
    shown = document["components"]["schemas"]["BookingRequest"]["properties"]
    assert set(shown) == set(BookingRequest.model_fields)


@pytest.fixture
def practice_api(app, make_therapist, first_session):
    therapist = make_therapist()
    therapist.slug = "anna"
    db.session.commit()
    return app


def test_generated_requests_find_no_server_error_and_no_answer_outside_the_document(
        practice_api):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", practice_api)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case) -> None:
            # Not "positive data acceptance": a time zone or a slot can fit the schema
            # and still not exist, and that is a documented 400 or 422, not a failure.
            case.call_and_validate(checks=[not_a_server_error, status_code_conformance,
                                           content_type_conformance,
                                           response_schema_conformance])

        try:
            check()
        except Exception as error:  # noqa: BLE001 — collected, reported together below
            failures.append(f"{operation.label}: {error}")
    assert not failures, "\n\n".join(failures)
