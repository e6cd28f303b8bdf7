import pytest

from booking.redaction import REDACTED, loggable_path

TOKEN = "Zm9vYmFyYmF6cXV4LXNlY3JldC10b2tlbg"


@pytest.mark.parametrize(("path", "logged"), [
    (f"/b/{TOKEN}", f"/b/{REDACTED}"),
    (f"/b/{TOKEN}/reschedule?week=2026-12-07&tz=Europe/Berlin", f"/b/{REDACTED}/reschedule"),
    (f"/b/{TOKEN}/invite.ics", f"/b/{REDACTED}/invite.ics"),
    (f"/feeds/{TOKEN}.ics", f"/feeds/{REDACTED}.ics"),
    (f"/workspace/welcome/{TOKEN}", f"/workspace/welcome/{REDACTED}"),
    (f"/workspace/reset/{TOKEN}", f"/workspace/reset/{REDACTED}"),
    ("/workspace/?q=Anna+Beispiel", "/workspace/"),
    ("/book/anna-berger/details?start=2026-12-01T09:00:00Z", "/book/anna-berger/details"),
])
def test_logged_paths_keep_the_route_and_lose_tokens_and_queries(path, logged):
    assert loggable_path(path) == logged


def test_every_route_with_a_token_is_redacted(app):
    """A new route that takes a token must be added to the redaction too."""
    rules = [rule for rule in app.url_map.iter_rules() if "token" in rule.arguments]
    assert rules, "the URL map has token routes"
    for rule in rules:
        path = rule.rule.replace("<token>", TOKEN)
        assert "<" not in path, f"{rule.rule}: fill in its other arguments here"
        assert TOKEN not in loggable_path(path), rule.rule


@pytest.mark.parametrize(("line", "scrubbed"), [
    (f'127.0.0.1 - - "GET /b/{TOKEN}/reschedule?week=1 HTTP/1.1" 200',
     f'127.0.0.1 - - "GET /b/{REDACTED}/reschedule HTTP/1.1" 200'),
    (f"Exception on /feeds/{TOKEN}.ics [GET]", f"Exception on /feeds/{REDACTED}.ics [GET]"),
    ('"GET /workspace/?q=Anna+Beispiel HTTP/1.1"', '"GET /workspace/ HTTP/1.1"'),
    ("550 5.1.1 <anna.beispiel+x@mail.example.de>: no such user",
     "550 5.1.1 <<email>>: no such user"),
    ("Is this a question? Yes.", "Is this a question? Yes."),
])
def test_scrubbed_log_text_has_no_tokens_queries_or_addresses(line, scrubbed):
    from booking.redaction import scrub

    assert scrub(line) == scrubbed
