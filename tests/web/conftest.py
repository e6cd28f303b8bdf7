"""Fixtures of the web tests."""

import pytest

from booking.extensions import db
from booking.models import Role
from tests.web.workspace_support import PASSWORD, sign_in


@pytest.fixture
def anna(make_therapist):
    """A therapist who can sign in with PASSWORD (modules may define their own anna)."""
    therapist = make_therapist()
    therapist.set_password(PASSWORD)
    db.session.commit()
    return therapist


@pytest.fixture
def admin(make_therapist):
    """The practice's admin, Ada Admin, who can sign in with PASSWORD."""
    therapist = make_therapist()
    therapist.display_name, therapist.role = "Ada Admin", Role.ADMIN
    therapist.set_password(PASSWORD)
    db.session.commit()
    return therapist


@pytest.fixture
def signed_in_admin(client, admin):
    """The test client, signed in as the admin."""
    sign_in(client, admin.email)
    return client


@pytest.fixture
def colleague(make_therapist):
    """Carla Kollegin, a therapist who is not an admin and can sign in with PASSWORD."""
    therapist = make_therapist()
    therapist.display_name = "Carla Kollegin"
    therapist.set_password(PASSWORD)
    db.session.commit()
    return therapist
