"""Fixtures of the web tests."""

import pytest

from booking.extensions import db
from tests.web.workspace_support import PASSWORD


@pytest.fixture
def anna(make_therapist):
    """A therapist who can sign in with PASSWORD (modules may define their own anna)."""
    therapist = make_therapist()
    therapist.set_password(PASSWORD)
    db.session.commit()
    return therapist
