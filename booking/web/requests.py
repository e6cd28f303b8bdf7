"""Rules every request meets before any view sees it: values the database cannot
store are refused as bad requests instead of failing deep inside a query."""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

# Ids are PostgreSQL integers: a larger number in a URL names no record.
LARGEST_ID = 2**31 - 1
# No address of ours has a longer segment (tokens are well under 100 characters).
LONGEST_PATH_SEGMENT = 1000
# The bodies Flask reads into request.form.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class RecordId(IntegerConverter):
    """`<int:…>` in routes, bounded so that /bookings/99999999999999999999 is a 404,
    not an overflow in the database driver."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def refuse_nul_characters():
    """PostgreSQL text cannot hold U+0000 and no person types it: 400 for any
    parameter or form field that contains one."""
    # Only a form body is parsed: reading request.form of a GET costs more than the rest.
    form = request.form.lists() if request.mimetype in FORM_TYPES else ()
    for key, values in [*request.args.lists(), *form]:
        if "\x00" in key or any("\x00" in value for value in values):
            abort(400)
    return None


def refuse_hostile_paths():
    """The same for the path: an address with a NUL or an overlong segment names
    nothing here, so it is a 404 before a slug or token reaches the database."""
    values = [request.path, *(value for value in (request.view_args or {}).values()
                              if isinstance(value, str))]
    if any("\x00" in value for value in values) or any(
            len(segment) > LONGEST_PATH_SEGMENT for segment in request.path.split("/")):
        abort(404)
    return None


def init_app(app: Flask) -> None:
    """Call before registering blueprints: their routes take the converter then."""
    app.url_map.converters["int"] = RecordId
    app.before_request(refuse_hostile_paths)
    app.before_request(refuse_nul_characters)
