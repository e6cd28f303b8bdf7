"""A worker that serves only visitors and calendar clients does not carry the libraries
their requests never use (issue #14: memory per worker): Pillow (uploads), markdown-it
and nh3 (legal texts), segno (second-factor enrolment), and the holidays package's
calendars of countries other than Germany.

Each check runs in a fresh interpreter, as a gunicorn worker starts: in the test
process, other tests have imported everything long before."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from booking.models import FeedScope
from booking.services import feeds
from tests.conftest import FIXED_NOW, TEST_DATA_KEY
from tests.support import WEDNESDAY_9

ROOT = Path(__file__).resolve().parent.parent

# Serves the given paths through the test client of a newly created app and prints
# their status codes and the modules of the unneeded libraries that were loaded.
WORKER = """
import json, sys
from datetime import datetime
from booking import create_app
from booking.clock import FixedClock

given = json.loads(sys.argv[1])
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": given["database"],
                  "SECRET_KEY": "test-secret-key", "DATA_KEY": given["data_key"],
                  "CLOCK": FixedClock(datetime.fromisoformat(given["now"]))})
client = app.test_client()
codes = {path: client.get(path).status_code for path in given["paths"]}
libraries = ("PIL", "markdown_it", "nh3", "segno")
other_holidays = ("holidays.countries", "holidays.financial")  # Germany's module aside
loaded = sorted(name for name in sys.modules if name.split(".")[0] in libraries
                or name.startswith(other_holidays) and name != "holidays.countries.germany")
print(json.dumps({"codes": codes, "loaded": loaded}))
"""


def serve_in_new_worker(database_url: str, paths: list[str]) -> dict:
    given = {"database": database_url, "data_key": TEST_DATA_KEY,
             "now": FIXED_NOW.isoformat(), "paths": paths}
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(given)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_visitor_pages_feed_and_api_load_no_upload_legal_qr_or_foreign_holiday_code(
        app, database_url, make_therapist, make_booking, clock):
    therapist = make_therapist()
    make_booking(therapist, confirmed=True)
    feed = feeds.current_token(therapist_id=therapist.id, scope=FeedScope.THERAPIST,
                               secret_key=app.config["SECRET_KEY"], now=clock.now())
    first_day = FIXED_NOW.date()
    free = WEDNESDAY_9 + timedelta(hours=1)
    paths = [
        "/book",
        f"/book/{therapist.slug}",
        "/book/any",
        f"/book/{therapist.slug}/details?start={quote(free.isoformat())}",
        f"/feeds/{feed}.ics",
        f"/api/v1/therapists/{therapist.slug}/availability?start={first_day}"
        f"&end={first_day + timedelta(days=7)}",
    ]

    worker = serve_in_new_worker(database_url, paths)

    assert worker["codes"] == dict.fromkeys(paths, 200)
    assert worker["loaded"] == []
