"""Security headers on every response, decided in this one place.

Every response, pages, errors, downloads and feeds alike, leaves through
`add_security_headers`; a route cannot forget them. What varies per endpoint
(framing, referrer, caching) is decided by the small functions below, so a new
rule has one place to change.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import Headers

# Endpoints that send their own Cache-Control and contain nothing personal to a
# shared cache: static files (Flask's validators) and the calendar feeds, which
# calendar programs poll every few minutes. A feed says "private, max-age=300"
# with an ETag: no proxy stores it, and polling stays a cheap 304. Every other
# response gets no-store, so a new page with client data is safe by default.
# embed.js says for itself how long it may be kept: a year at its versioned address.
# The API's free slots hold nothing personal: public, for a few seconds, with an ETag.
# The practice's pictures and theme stylesheet live at addresses that name their
# content: public, for a year, immutable.
OWN_CACHING = frozenset({"static", "feeds.feed", "embed.script", "api.availability",
                         "api.team_availability", "look.media", "look.theme"})

# Files made from what an admin or therapist uploaded or chose: never a document that
# could run or load anything, even when opened on its own.
UPLOADED_CONTENT = frozenset({"look.media", "look.theme"})
UPLOADED_CONTENT_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"

# The visitor pages embed.js shows inside an article (team, week, form, "almost
# done", and the Impressum and privacy notice their footers link to). Nothing else
# is ever framed: not the workspace or the admin, not the manage link (it holds a
# secret and is opened from mail), not the feeds.
FRAMED = frozenset({"public.team", "public.slots", "public.details", "public.requested",
                    "public.privacy", "public.impressum"})

# The demo article loads embed.js from the service and frames it, as the practice's
# own site would: its policy names the service's origin for exactly that.
EMBEDS_THE_SERVICE = frozenset({"embed.demo_article"})

# What the pages never use: switched off for them and for anything they embed.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "hid",
    "magnetometer", "microphone", "midi", "payment", "serial", "usb",
))

HSTS = "max-age=31536000; includeSubDomains"


def frame_ancestors(endpoint: str | None, embed_origins: tuple[str, ...],
                    demo_article: bool) -> tuple[str, ...]:
    """The origins that may frame this endpoint's pages: EMBED_ORIGINS for the
    visitor pages embed.js shows, and with the demo article (outside production) also
    the service itself, whose /demo/article frames them. Every other page: none."""
    if endpoint not in FRAMED:
        return ()
    return (*embed_origins, *(("'self'",) if demo_article else ()))


def embedded_service(endpoint: str | None, base_url: str) -> tuple[str, ...]:
    """Where this page may load embed.js from and frame the booking flow: the
    service's own origin (`base_url`) for the demo article (another one when the
    article is served under another name, as in the browser tests), nothing for any
    other page."""
    if endpoint not in EMBEDS_THE_SERVICE:
        return ()
    base = urlsplit(base_url)
    return (f"{base.scheme}://{base.netloc}",)


def content_security_policy(ancestors: tuple[str, ...], service: tuple[str, ...] = ()) -> str:
    """No inline script or style anywhere: scripts and styles come from /static.
    data: images only for the empty favicon (`<link rel="icon" href="data:,">`),
    which spares every page a request for /favicon.ico. A page that embeds the
    service (`service`) may load its script and frame its pages."""
    directives = [
        "default-src 'self'",
        " ".join(("script-src 'self'", *service)),
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors " + (" ".join(ancestors) or "'none'"),
    ]
    if service:
        directives.insert(1, " ".join(("frame-src 'self'", *service)))
    return "; ".join(directives)


def holds_secret(rule_arguments: set[str] | None) -> bool:
    """True when the URL may hold a secret: the manage link, feeds, password reset
    and invitation links all carry a `<token>`. An address that matched no route
    may be a mistyped secret link, so it is treated as one too."""
    return rule_arguments is None or "token" in rule_arguments


def add_security_headers(response: Response) -> Response:
    """Put this endpoint's security headers on the response, in one pass over its
    headers (setting them one by one rescans the list each time: most of the cost
    of a cached answer)."""
    endpoint = request.endpoint
    rule = request.url_rule
    secret = holds_secret(set(rule.arguments) if rule is not None else None)
    own_caching = endpoint in OWN_CACHING and "Cache-Control" in response.headers
    ours, replaced = headers_of(endpoint, secret=secret, own_caching=own_caching)
    response.headers = Headers([*((name, value) for name, value in response.headers.items()
                                  if name.lower() not in replaced), *ours])
    return response


def headers_of(endpoint: str | None, *, secret: bool, own_caching: bool
               ) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """The security headers of `endpoint`'s answers (`secret`: its address holds one;
    `own_caching`: it sent its own Cache-Control), and the lower-case names of the
    headers they replace. For add_security_headers, and for the feed poll lane that
    answers before Flask's pipeline (web/feeds/lane.py)."""
    config = current_app.config
    return _headers_for(endpoint, secret, own_caching, tuple(config["EMBED_ORIGINS"]),
                        bool(config["DEMO_ARTICLE"]), config["BASE_URL"])


@functools.lru_cache(maxsize=512)
def _headers_for(endpoint: str | None, secret: bool, own_caching: bool,
                 embed_origins: tuple[str, ...], demo_article: bool,
                 base_url: str) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """The security headers of one endpoint under one configuration, and the
    (lower-case) names they replace, worked out once: every argument that decides
    them is part of the key."""
    ancestors = frame_ancestors(endpoint, embed_origins, demo_article)
    headers = [("Content-Security-Policy",
                UPLOADED_CONTENT_POLICY if endpoint in UPLOADED_CONTENT
                else content_security_policy(ancestors, embedded_service(endpoint,
                                                                         base_url)))]
    if not ancestors:
        # For browsers that predate frame-ancestors. It cannot name origins, so a page
        # that some may frame leaves it out rather than contradict frame-ancestors.
        headers.append(("X-Frame-Options", "DENY"))
    headers += [("X-Content-Type-Options", "nosniff"),
                ("Permissions-Policy", PERMISSIONS_POLICY),
                ("Referrer-Policy", "no-referrer" if secret else "same-origin")]
    if not own_caching:
        headers.append(("Cache-Control", "no-store"))
    if base_url.startswith("https://"):
        headers.append(("Strict-Transport-Security", HSTS))
    replaced = {name.lower() for name, _ in headers} | ({"expires"} if not own_caching else set())
    return tuple(headers), frozenset(replaced)


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
