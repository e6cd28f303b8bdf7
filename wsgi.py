"""The WSGI entry point: gunicorn 'wsgi:app' (gunicorn.conf.py beside it)."""

import sys

from booking import create_app
from booking.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # one line for the operator, not a traceback per worker
    print(f"booking: {error}", file=sys.stderr)
    raise SystemExit(2) from None
