"""Absolute links into the service, always on BASE_URL (also behind a proxy, and in
the worker, which has no visitor's request to take a host from)."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import Map


class Links:
    """Builds absolute URLs with the app's own URL map, bound once to BASE_URL, so
    that mail, feeds and the command line need no request to link to a page."""

    def __init__(self, url_map: Map, base_url: str) -> None:
        base = urlsplit(base_url)
        self._origin = f"{base.scheme}://{base.netloc}"
        self._adapter = url_map.bind(base.netloc, script_name=base.path or "/",
                                     url_scheme=base.scheme)

    def url(self, endpoint: str, **values: object) -> str:
        """The absolute URL of `endpoint`; values that are not part of its path go
        into the query string, as with Flask's url_for."""
        return self._origin + self._adapter.build(endpoint, values)
