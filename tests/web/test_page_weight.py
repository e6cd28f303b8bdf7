"""Pages weigh what they show: at most 15 KB of HTML (uncompressed) for the week
picker, the team page and the form, with every time zone one link away."""

from __future__ import annotations

import io
import re
from html import unescape
from urllib.parse import quote

import pytest
from PIL import Image

from booking.services import practice
from booking.zone_names import canonical_zones
from tests.conftest import FIXED_NOW
from tests.support import WEDNESDAY_9

LIMIT = 15 * 1024


@pytest.fixture
def team(make_therapist, first_session):
    """Five therapists with photos, and the practice's logo and accent colour: all that
    a practice may add to the pages."""
    members = [make_therapist() for _ in range(5)]
    picture = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(picture, "PNG")
    for therapist in members:
        practice.set_photo(therapist.id, picture.getvalue(), now=FIXED_NOW)
    defaults = practice.PracticeDetails(name="Praxis", email="praxis@example.org")
    practice.save_details(practice.PracticeDetails(
        name="Praxis für Paarberatung und Familientherapie am See", email="praxis@example.org",
        phone="+49 30 1234567", accent="#0b5c6b"), defaults=defaults, now=FIXED_NOW)
    practice.set_logo(picture.getvalue(), defaults=defaults, now=FIXED_NOW)
    return members


def test_the_pages_a_visitor_sees_first_weigh_at_most_15_kb(client, team):
    start = quote(WEDNESDAY_9.isoformat())
    for url in ("/book?tz=Europe/Berlin", f"/book/{team[0].slug}?tz=Europe/Berlin",
                "/book/any?tz=Europe/Berlin", f"/book/any/details?start={start}"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.data) <= LIMIT, (url, len(response.data))
        assert "/media/" in response.get_data(as_text=True), url


def test_every_current_time_zone_is_one_link_away_from_the_picker(client, team):
    page = client.get(f"/book/{team[0].slug}?tz=America/Sao_Paulo").get_data(as_text=True)
    options = re.findall(r'<option value="([^"]+)"', page)
    assert "America/Sao_Paulo" in options and "Europe/Berlin" in options
    [everything] = re.findall(r'<a href="([^"]*zones=all[^"]*)"', page)
    response = client.get(unescape(everything))
    complete = response.get_data(as_text=True)
    all_options = set(re.findall(r'<option value="([^"]+)"', complete))
    assert all_options == set(canonical_zones())  # every current zone, no alias
    assert 'value="America/Sao_Paulo" selected' in complete
    assert len(response.data) < 40 * 1024  # it weighed 40 KB with the aliases
