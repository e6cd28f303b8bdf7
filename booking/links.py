"""Absolute links into the service, always on BASE_URL (also behind a proxy, and in
the worker, which has no visitor's request to take a host from)."""

from urllib.parse import urlsplit

from flask import current_app, url_for


def external_url(endpoint: str, **values) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    return f"{base.scheme}://{base.netloc}{url_for(endpoint, **values)}"
