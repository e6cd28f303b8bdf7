"""A real server on loopback and real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.serving import make_server

from booking import create_app, worker
from booking.clock import FixedClock
from booking.extensions import db
from booking.services import demo
from tests.conftest import FIXED_NOW, TEST_DATA_KEY
from tests.support import reconfigure

CHROMIUM = os.environ.get("BOOKING_TEST_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules/axe-core/axe.min.js"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[dict]:
    """The demo practice served on a free loopback port, mail written to files."""
    folder = tmp_path_factory.mktemp("site")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'booking.sqlite3'}",
        "SECRET_KEY": "browser-test", "DATA_KEY": TEST_DATA_KEY, "CLOCK": FixedClock(FIXED_NOW),
        "MAIL_URL": f"file://{folder / 'mail'}",
    })
    with app.app_context():
        flask_migrate.upgrade()
        demo.seed_demo(FIXED_NOW)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    reconfigure(app, BASE_URL=f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"app": app, "url": app.config["BASE_URL"], "mail": folder / "mail"}
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine that lacks the browser; fail in CI, which has it."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM}: apt-get install chromium "
                     "(or set BOOKING_TEST_CHROMIUM); .ci/run installs it")
    if not AXE.exists():
        _unavailable("axe-core is missing: run `npm ci` (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ])
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def no_policy_violations(request):
    """Every page of a browser test runs under the real Content-Security-Policy: a
    script, style or frame it refuses (Chromium says so on the console) fails the test."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    refused: list[str] = []
    new_context = browser.new_context

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on("console", lambda message: refused.append(message.text)
                   if "Content Security Policy" in message.text else None)
        return context

    browser.new_context = watched_context
    try:
        yield
    finally:
        browser.new_context = new_context
    assert not refused, refused


@pytest.fixture
def shots(request) -> Path:
    """A folder for this test's screenshots (test artifacts, not committed)."""
    folder = ARTIFACTS / request.node.name.replace("[", "-").replace("]", "")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def deliver_mail(site: dict) -> None:
    worker.drain(site["app"])
