"""Security headers on every response, decided in this one place.

Every response, pages, errors, downloads and feeds alike, leaves through
`add_security_headers`; a route cannot forget them. What varies per endpoint
(framing, referrer, caching) is decided by the small functions below, so a new
rule has one place to change.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request

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


def frame_ancestors(endpoint: str | None) -> tuple[str, ...]:
    """The origins that may frame this endpoint's pages: EMBED_ORIGINS for the
    visitor pages embed.js shows, and outside production also the service itself
    (its /demo/article frames them). Every other page: none."""
    if endpoint not in FRAMED:
        return ()
    config = current_app.config
    return (*config["EMBED_ORIGINS"], *(("'self'",) if config["DEMO_ARTICLE"] else ()))


def embedded_service(endpoint: str | None) -> tuple[str, ...]:
    """Where this page may load embed.js from and frame the booking flow: the
    service's own origin for the demo article (another one when the article is served
    under another name, as in the browser tests), nothing for any other page."""
    if endpoint not in EMBEDS_THE_SERVICE:
        return ()
    base = urlsplit(current_app.config["BASE_URL"])
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
    endpoint = request.endpoint
    ancestors = frame_ancestors(endpoint)
    headers = response.headers
    headers["Content-Security-Policy"] = (
        UPLOADED_CONTENT_POLICY if endpoint in UPLOADED_CONTENT
        else content_security_policy(ancestors, embedded_service(endpoint)))
    if not ancestors:
        # For browsers that predate frame-ancestors. It cannot name origins, so a page
        # that some may frame leaves it out rather than contradict frame-ancestors.
        headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    rule = request.url_rule
    secret = holds_secret(set(rule.arguments) if rule is not None else None)
    headers["Referrer-Policy"] = "no-referrer" if secret else "same-origin"
    if endpoint not in OWN_CACHING or "Cache-Control" not in headers:
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    if current_app.config["BASE_URL"].startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
