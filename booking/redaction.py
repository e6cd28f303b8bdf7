"""Paths as logs may show them: the secret part of a link is never written down.

A manage link (/b/<token>), a calendar feed (/feeds/<token>.ics) and the
password links of the workspace are capabilities: whoever reads them in a log
can act as the client or read a therapist's calendar. Query strings are dropped
too (they may carry a name or an address typed into a search).
"""

from __future__ import annotations

import re

REDACTED = "…"

# Every route with a <token> argument; tests/test_redaction.py walks the URL map
# so that a new one cannot be forgotten here.
_SECRET_SEGMENTS = re.compile(
    r"^(?P<prefix>/b/|/copy/|/feeds/|/workspace/welcome/|/workspace/reset/)[^/]+?(?P<suffix>\.ics)?(?=/|$)"
)


# The same secret segments anywhere in a text (a path in a log message, a traceback).
_SECRETS_IN_TEXT = re.compile(r"(?P<prefix>/b/|/copy/|/feeds/|/workspace/welcome/"
                              r"|/workspace/reset/)[^/\s\"'?]+?(?P<suffix>\.ics)?(?=[/\s\"'?]|$)")
# A query string after a path: it may carry a search, a name or an address.
_QUERY_IN_TEXT = re.compile(r"(?P<path>/[^\s\"'?]*)\?[^\s\"']+")
_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def scrub(text: str) -> str:
    """A log line without secret link parts, query strings or email addresses: the
    last defence, whatever a message or an exception happened to contain."""
    text = _SECRETS_IN_TEXT.sub(lambda m: f"{m['prefix']}{REDACTED}{m['suffix'] or ''}", text)
    text = _QUERY_IN_TEXT.sub(lambda m: m["path"], text)
    return _EMAIL_IN_TEXT.sub("<email>", text)


def loggable_path(path: str) -> str:
    """`path` without its query string and with any secret token replaced."""
    path = path.split("?", 1)[0]
    return _SECRET_SEGMENTS.sub(
        lambda m: f"{m['prefix']}{REDACTED}{m['suffix'] or ''}", path, count=1)
