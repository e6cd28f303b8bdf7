"""The public JSON API, /api/v1: availability and bookings for other websites and
systems, on the same services as the visitor pages. Described by an OpenAPI 3.1
document built from the schemas that validate its requests (spec.py).

No cookies and no sessions: a client identifies a booking by its manage token in
an Authorization header, which a browser never sends on its own. That is also why
the blueprint is exempt from Flask-WTF's CSRF check: CSRF abuses credentials a
browser attaches by itself (cookies), and this API accepts none, so a forged
cross-site request can do nothing its sender could not do directly.
"""

from flask import Blueprint, Response, current_app, request

from booking.extensions import csrf
from booking.web.api.problems import ApiProblem, from_exception

PREFIX = "/api/v1"
bp = Blueprint("api", __name__, url_prefix=PREFIX)
csrf.exempt(bp)

CORS_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept-Language, Authorization, Content-Type, "
                                    "Idempotency-Key, If-None-Match",
    "Access-Control-Expose-Headers": "ETag, Location, Retry-After",
    "Access-Control-Max-Age": "600",
}


def is_api_request() -> bool:
    """True for any address under /api/v1, also one that matched no route."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


@bp.after_request
def allow_embedding_origins(response: Response) -> Response:
    """CORS for the origins in EMBED_ORIGINS only, without credentials: the
    practice's own website may call the API from its pages, nobody else's."""
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and origin in current_app.config["EMBED_ORIGINS"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.update(CORS_HEADERS)
    return response


@bp.errorhandler(ApiProblem)
def problem(error: ApiProblem) -> Response:
    return from_exception(error)


from booking.web.api import routes  # noqa: E402,F401  (routes register on bp)
