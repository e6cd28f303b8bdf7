"""gunicorn.conf.py: the access log keeps the route and loses what identifies people;
the app is loaded in the master and shared by the workers it forks, which is safe."""

import gc
import importlib.util
import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from sqlalchemy import text

from booking import create_app
from booking.extensions import db
from tests.conftest import app_config

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "S3cr3t-Manage-Token-Value-1234567890"


@pytest.fixture(scope="module")
def conf():
    return load_conf()


def load_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def access_line(conf, path: str, query: str = "") -> str:
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", conf.access_log_format)
    logger = conf.AccessLog(config)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.access_log.handlers = [handler]
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"{path}?{query}", "PATH_INFO": path,
               "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "203.0.113.7", "HTTP_REFERER": "https://ex.example/?q=Kim",
               "HTTP_USER_AGENT": "Mozilla/5.0 (Kim's phone)"}
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("X-Request-ID", "rid-42")])
    request = SimpleNamespace(headers=[("COOKIE", "session=abc"), ("X-FORWARDED-FOR", "1.2.3.4")])
    logger.access(response, request, environ, timedelta(milliseconds=12))
    return records[0].getMessage()


def test_the_access_log_names_the_route_without_its_token_query_or_visitor(conf):
    line = access_line(conf, f"/b/{TOKEN}/reschedule", "week=2026-06-01&email=kim@example.org")
    assert '"GET /b/…/reschedule" 200 512 12ms rid-42' in line
    for secret in (TOKEN, "kim@example.org", "203.0.113.7", "1.2.3.4", "Kim", "session=abc"):
        assert secret not in line


def test_the_worker_count_follows_the_machine(conf, monkeypatch):
    # One per core plus one: the bench finds every request limited by the CPU.
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert load_conf().workers == (os.cpu_count() or 1) + 1
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    assert load_conf().workers == 7
    assert conf.timeout and conf.graceful_timeout


def test_the_app_is_loaded_once_in_the_master_and_shared_by_the_workers(conf):
    assert conf.preload_app is True


def test_what_the_master_holds_is_left_out_of_the_workers_garbage_collections(conf):
    gc.unfreeze()
    try:
        conf.pre_fork(None, None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


# Creates the app as gunicorn's master does, in an interpreter of its own (in the test
# process, timers that other tests' rate-limit storages left come and go at any moment),
# and prints what it opened: pooled connections, socket connects, threads.
MASTER = """
import json, os, socket, sys, threading
from sqlalchemy import event
from sqlalchemy.pool import Pool
from booking import create_app

given = json.loads(sys.argv[1])
connected, pooled = [], []
real_connect = socket.socket.connect
def connect(sock, address):
    connected.append(str(address))
    return real_connect(sock, address)
socket.socket.connect = connect
event.listen(Pool, "connect", lambda *args: pooled.append(1))
threads = set(threading.enumerate())
create_app(given["config"])
print(json.dumps({"pooled": len(pooled), "connected": connected,
                  "threads": [t.name for t in set(threading.enumerate()) - threads]}))
"""


def test_creating_the_app_opens_no_connection_socket_or_thread(database_url):
    """What the workers inherit from the master holds nothing two processes could share
    by mistake: no pooled database connection, no Redis or other socket, no thread."""
    redis = os.environ.get("BOOKING_TEST_REDIS_URL")
    config = app_config(database_url, **({"RATELIMIT_STORAGE_URI": redis} if redis else {}))
    config.pop("CLOCK", None)  # not JSON; the app's own clock opens nothing either
    done = subprocess.run([sys.executable, "-c", MASTER, json.dumps({"config": config})],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    opened = json.loads(done.stdout.splitlines()[-1])
    assert opened == {"pooled": 0, "connected": [], "threads": []}


def test_a_worker_starts_without_the_masters_pooled_connections(conf, database_url):
    app = create_app(app_config(database_url))
    with app.app_context():
        with db.engine.connect() as connection:  # as if the master had connected
            connection.execute(text("SELECT 1"))
        masters = db.engine.pool
        assert masters.checkedin() == 1

        conf.post_fork(SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app)), None)

        assert db.engine.pool.checkedin() == 0
        assert masters.checkedin() == 1  # left open: it is the master's to close
        masters.dispose()
        db.engine.dispose()
