"""Static files at addresses that name their content: url_for("static", ...) adds
`?v=<hash of the file>`, and an answer to such an address may be kept for a year.
A changed file gets a new address, so no browser or proxy serves an old one."""

from __future__ import annotations

import functools
import hashlib
import os
from typing import Any

from flask import Flask, Response, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    folder = app.static_folder or ""

    @app.url_defaults
    def add_content_hash(endpoint: str, values: dict[str, Any]) -> None:
        if (endpoint == "static" and "filename" in values and "v" not in values
                and (digest := content_hash(folder, values["filename"]))):
            values["v"] = digest

    @app.after_request
    def cache_named_content(response: Response) -> Response:
        if (request.endpoint == "static" and response.status_code in (200, 304)
                and request.args.get("v")
                and request.args["v"] == content_hash(folder, (request.view_args or {}).get(
                    "filename", ""))):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response


def content_hash(folder: str, filename: str) -> str | None:
    """The first hex digits of the file's SHA-256, or None when there is no such file."""
    path = safe_join(folder, filename)
    try:
        stat = os.stat(path) if path else None
    except (OSError, ValueError):  # no such file, or a name no file can have
        return None
    if stat is None:
        return None
    return _hash_of(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=256)
def _hash_of(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by modification time and size, so an edited file is hashed afresh.
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]
