"""Walking every rule of the URL map with real, fake and hostile values for its
arguments, as the header and fault tests do: a new route is walked without
anyone adding it here, and a new kind of argument fails until it is given values."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image

from booking.extensions import db
from booking.models import FeedScope, Role
from booking.services import feeds, practice
from booking.services.bookings import Policy, Visitor, book_slot
from booking.tokens import manage_token
from tests.conftest import FIXED_NOW
from tests.support import berlin
from tests.web.workspace_support import PASSWORD, sign_in

SECRET = "test-secret-key"
EVERY_METHOD = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Already percent-encoded, as an attacker would send them: a NUL, an overlong
# value, bytes that are not UTF-8, a path escape.
HOSTILE = ("x%00", "x" * 5000, "%ff%fe", "%c3%28", "..%2F..%2Fetc%2Fpasswd")
_ARGUMENT = re.compile(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>")


@dataclass
class Practice:
    """A therapist and an admin who can sign in, a booking and the secret links."""

    therapist_email: str
    admin_email: str
    values: dict[str, str]  # argument name -> a value naming a real record
    manage_token: str
    feed_token: str

    def real_values(self, rule) -> dict[str, str]:
        token = self.feed_token if rule.endpoint.startswith("feeds.") else self.manage_token
        return {**self.values, "token": token}


def make_practice(make_therapist, first_session) -> Practice:
    """For a `practice` fixture in the walking test modules."""
    therapist = make_therapist()
    therapist.set_password(PASSWORD)
    admin = make_therapist()
    admin.role = Role.ADMIN
    admin.set_password(PASSWORD)
    db.session.commit()
    booking = book_slot(therapist_id=therapist.id, session_type_id=first_session.id,
                        start=berlin("2026-06-03", "10:00"), now=FIXED_NOW,
                        policy=Policy(uid_domain="termine.praxis.example", link_secret=SECRET),
                        visitor=Visitor(name="Kim Beispiel", email="kim@example.org"))
    feed = feeds.current_token(therapist_id=therapist.id, scope=FeedScope.THERAPIST,
                               secret_key=SECRET, now=FIXED_NOW)
    photo = io.BytesIO()
    Image.new("RGB", (40, 40), "teal").save(photo, "PNG")
    defaults = practice.PracticeDetails(name="Praxis", email="praxis@example.org")
    looks = practice.save_details(practice.PracticeDetails(
        name="Praxis", email="praxis@example.org", accent="#0b5c6b"), defaults=defaults,
        now=FIXED_NOW)
    values = {"slug": therapist.slug, "booking_id": str(booking.id),
              "therapist_id": str(therapist.id), "message_id": "1", "waiver_id": "1",
              "calendar_id": "1", "time_off_id": "1", "filename": "site.css",
              "public_id": booking.public_id, "endpoint_id": "1", "period_id": "1",
              "name": practice.set_photo(therapist.id, photo.getvalue(), now=FIXED_NOW),
              "version": looks.theme_version}
    return Practice(therapist.email, admin.email, values,
                    manage_token(SECRET, booking.public_id), feed)


def path_of(rule, values: dict[str, str]) -> str:
    return _ARGUMENT.sub(lambda m: values[m.group(1)], rule.rule)


def rules_of(app) -> list:
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def paths_of(rule, practice: Practice) -> list[str]:
    """The rule with real values, with fake ones, and with each hostile value."""
    if not rule.arguments:
        return [rule.rule]
    fake = dict.fromkeys(rule.arguments, "999999")
    fake.update({name: "no-such-thing" for name in rule.arguments
                 if not name.endswith("_id")})
    return [path_of(rule, practice.real_values(rule)), path_of(rule, fake),
            *(path_of(rule, dict.fromkeys(rule.arguments, value)) for value in HOSTILE)]


# Addresses that match no rule: the error answers must be as safe as the pages.
UNMATCHED = ("/nothing-here", "/b/", "/workspace/x%00", "/" + "y" * 5000, "/%ff")

IDENTITIES = ("signed out", "therapist", "admin")


def signed_in_as(client, identity: str, practice: Practice):
    if identity != "signed out":
        email = practice.admin_email if identity == "admin" else practice.therapist_email
        assert sign_in(client, email).status_code == 303
    return client
