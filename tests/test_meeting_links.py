"""Meeting-link templates: checked when saved, filled in with each booking's own room."""

import re

import pytest

from booking.meeting_links import (
    TemplateProblem,
    check_template,
    is_shared,
    meeting_link,
    new_room,
)


@pytest.mark.parametrize("template", [
    "https://video.praxis.example/{room}",
    "https://meet.jit.si/praxis-{room}",
    "https://video.praxis.example/join?room={room}&lang=de",
    "https://video.praxis.example:8443/r/{room}",
    "https://zoom.example/j/123456789",  # a fixed link stays possible
    "",  # no online room
])
def test_sane_https_templates_are_taken(template):
    assert check_template(f"  {template} ") == template


@pytest.mark.parametrize("template, code", [
    ("http://video.praxis.example/{room}", "not_https"),
    ("javascript:alert(1)//{room}", "not_https"),
    ("video.praxis.example/{room}", "not_https"),
    ("https://video.praxis.example/{room}/{room}", "placeholders"),
    ("https://video.praxis.example/{raum}", "placeholders"),
    ("https://video.praxis.example/{room", "placeholders"),
    ("https://{room}.praxis.example/", "not_a_url"),
    ("https://video praxis.example/{room}", "not_a_url"),
    ("https:///{room}", "not_a_url"),
    ("https://localhost/{room}", "not_a_url"),
    ("https://user:pass@video.praxis.example/{room}", "not_a_url"),
    ("https://video.praxis.example:99999/{room}", "not_a_url"),
    ("https://video.praxis.example/{room}\nBcc: x", "not_a_url"),
    ("https://video.praxis.example/" + "a" * 500 + "/{room}", "too_long"),
])
def test_templates_that_are_not_a_sane_https_address_are_refused(template, code):
    with pytest.raises(TemplateProblem) as refused:
        check_template(template)
    assert refused.value.code == code


def test_a_room_is_unguessable_and_url_safe():
    rooms = {new_room() for _ in range(1000)}
    assert len(rooms) == 1000
    # 24 random bytes: 192 bits (at least 128), in 32 URL-safe characters
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32}", room) for room in rooms)


def test_the_room_goes_where_the_template_says():
    assert meeting_link("https://video.praxis.example/r/{room}?x=1", "abc") == (
        "https://video.praxis.example/r/abc?x=1")
    assert meeting_link("https://zoom.example/j/1", "abc") == "https://zoom.example/j/1"
    assert meeting_link("", "abc") == ""


def test_only_a_fixed_link_is_shared():
    assert is_shared("https://zoom.example/j/1")
    assert not is_shared("https://video.praxis.example/{room}")
    assert not is_shared("")
