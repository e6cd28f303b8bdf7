"""Links to a session's online room: a template with {room}, filled in per booking.

Pure: no Flask, no database. Each booking carries a room name of its own
(`new_room`), so that no client can walk into another client's session; a fixed
link without {room} stays possible for video services that cannot do this, and
then every client of that therapist shares one room. A therapist who sets no template
of their own uses the practice's default (Therapist.meeting_template).
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

PLACEHOLDER = "{room}"
MAX_LENGTH = 500
# 24 random bytes: 192 bits, 32 URL-safe characters (the issue asks for at least 128).
_ROOM_BYTES = 24


class TemplateProblem(ValueError):
    """Why a meeting-link template is refused: `code` is one of "not_https",
    "placeholders" (more than one {room}, or another {…}), "not_a_url", "too_long"."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def new_room() -> str:
    """An unguessable room name, URL-safe."""
    return secrets.token_urlsafe(_ROOM_BYTES)


def check_template(template: str) -> str:
    """The template, stripped, when it is an https address with at most one {room}
    (in its path, query or fragment) and nothing else in braces; TemplateProblem
    otherwise. An empty template (no online room) is fine."""
    template = template.strip()
    if not template:
        return ""
    if len(template) > MAX_LENGTH:
        raise TemplateProblem("too_long")
    if template.count(PLACEHOLDER) > 1 or (
            template.replace(PLACEHOLDER, "").count("{")
            + template.replace(PLACEHOLDER, "").count("}")):
        raise TemplateProblem("placeholders")
    parts = urlsplit(template.replace(PLACEHOLDER, "room"))
    if parts.scheme.lower() != "https":
        raise TemplateProblem("not_https")
    try:
        port = parts.port
    except ValueError:
        raise TemplateProblem("not_a_url") from None
    host = parts.hostname or ""
    if (not host or "." not in host.strip(".") or parts.username or parts.password
            or port == 0 or PLACEHOLDER in template.split("//", 1)[1].split("/", 1)[0]
            or any(char.isspace() or not char.isprintable() for char in template)):
        raise TemplateProblem("not_a_url")
    return template


def is_shared(template: str) -> bool:
    """True for a fixed link: every client of the therapist meets in the same room."""
    return bool(template) and PLACEHOLDER not in template


def meeting_link(template: str, room: str) -> str:
    """The link to one booking's room ("" when there is no online room)."""
    if not template:
        return ""
    return template.replace(PLACEHOLDER, room)
