"""What an article page on the practice's site talks to: /embed.js, and (outside
production) /demo/article, the practice's article with the widget wired in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, render_template, request

from booking.web.embed.article import Article, parse_article

bp = Blueprint("embed", __name__)

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "static" / "embed.js"
DEMO_ARTICLE = ROOT / "templates" / "embed" / "demo_article.txt"
# At its versioned address the script never changes: browsers keep it for a year.
# The plain address is what a practice may paste once; it is rechecked hourly.
VERSIONED_CACHING = "public, max-age=31536000, immutable"
PLAIN_CACHING = "public, max-age=3600"


@dataclass(frozen=True)
class Script:
    body: bytes
    version: str  # a digest of the body: a new release gets a new address


@cache
def embed_script(path: Path = SCRIPT) -> Script:
    body = path.read_bytes()
    return Script(body, hashlib.sha256(body).hexdigest()[:12])


@cache
def load_demo_article(path: Path = DEMO_ARTICLE) -> Article:
    return parse_article(path.read_text(encoding="utf-8"))


@bp.get("/embed.js")
def script():
    current = embed_script()
    response = Response(current.body, content_type="text/javascript; charset=utf-8")
    response.headers["Cache-Control"] = (
        VERSIONED_CACHING if request.args.get("v") == current.version else PLAIN_CACHING)
    response.set_etag(current.version)
    # Any site may load the script (only EMBED_ORIGINS may frame what it opens).
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response.make_conditional(request)


@bp.get("/demo/article")
def demo_article():
    if not current_app.config["DEMO_ARTICLE"]:
        abort(404)
    base = urlsplit(current_app.config["BASE_URL"])
    service = f"{base.scheme}://{base.netloc}{base.path}".rstrip("/")
    return render_template("embed/demo_article.html", article=load_demo_article(), service=service,
                           script_version=embed_script().version)
