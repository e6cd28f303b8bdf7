"""gunicorn settings for the booking service: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS;
BIND and WEB_CONCURRENCY are read from the environment like Heroku-style hosts do.
"""

import gc
import multiprocessing
import os

from gunicorn.glogging import Logger

from booking.redaction import loggable_path

bind = os.environ.get("BIND", "127.0.0.1:8000")  # behind the reverse proxy
# One per core plus one, not the usual two per core plus one: every row of
# bench/over_http.py is limited by the CPU (the database's share of a request is 5-15%),
# and more workers only take turns on the cores. On 2 cores, 3 workers against 5 in
# alternating runs: booking POSTs at 32 clients spent 9.4-13.6 against 12.0-15.2 ms of
# CPU each, with p99/p50 of 1.43-1.51 against 1.64-2.24; the pages within the noise.
# The one extra worker answers while another waits on the database or builds a feed.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = 30  # a request that takes longer is stuck: the worker is replaced
graceful_timeout = 30  # on SIGTERM/SIGHUP, finish what is under way first
keepalive = 5  # the proxy reuses connections
# Recycle workers now and then, spread out: each keeps what its caches and its last
# large answers left behind (a worker that built a 5,000-booking feed and then served
# every row of bench/over_http.py: RSS 122 MB with 50,000 here, 113 MB with 10,000).
# Not every 2,000 requests, as before: under load that replaced a worker every few
# seconds, each time with a new database connection and empty caches (one run each
# way: feed 304s 2,885 -> 3,610 per second and their p99 45 -> 2.4 ms without it).
max_requests = 10_000
max_requests_jitter = 1_000
forwarded_allow_ips = "127.0.0.1,::1"  # the app reads X-Forwarded-* via TRUSTED_PROXY_HOPS
# The master loads the app (wsgi.py) once and forks the workers from it: they share its
# code and data until they write to them, and a refused start (wsgi.py catches the
# ConfigError) is one line from the master, not a traceback from every worker.
# bench/worker_memory.py (5 workers after 600 requests to the visitors' pages, the API
# and a 5,000-booking feed): RSS ≤ 117 MB, PSS ≤ 60 MB per worker with it; ≤ 124 and
# ≤ 63 MB without (the master imported the app anyway, to check the settings).
# Safe: create_app opens no database connection, socket or thread
# (tests/test_gunicorn_conf.py), and post_fork drops any pooled connection all the
# same. The cost: SIGHUP forks new workers from the master's code, so new code needs
# a restart of the service (or gunicorn's USR2 upgrade); so it was before, as the
# master imported most of the app's modules for that check and for AccessLog.
preload_app = True

accesslog = "-"
errorlog = "-"
# No client address, no query string, no referrer, no token: see AccessLog. The
# request id matches the line to the app's own JSON line.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %({x-request-id}o)s'


class AccessLog(Logger):
    """An access log a data-protection officer can accept: the path with its secret
    part replaced (manage links, feeds, password links), and nothing else from the
    request; the IP address and user agent are personal data and stay out."""

    def atoms(self, resp, req, environ, request_time):
        # Only these, and made here: gunicorn's own also copies every request header,
        # response header and environ entry into the dict, on every request.
        method, protocol = environ.get("REQUEST_METHOD"), environ.get("SERVER_PROTOCOL")
        path = loggable_path(environ.get("PATH_INFO", ""))
        sent = getattr(resp, "sent", None)
        seconds, micros = request_time.seconds, request_time.microseconds
        request_id = next((value for name, value in resp.headers
                           if name.lower() == "x-request-id"), "-")
        return {
            "t": self.now(), "m": method, "U": path, "r": f"{method} {path} {protocol}",
            "H": protocol, "s": str(resp.status).split(None, 1)[0],
            "b": "-" if sent is None else str(sent), "B": sent, "T": seconds,
            "D": seconds * 1_000_000 + micros, "M": seconds * 1000 + micros // 1000,
            "L": f"{seconds}.{micros:06d}", "p": f"<{os.getpid()}>",
            "{x-request-id}o": request_id,
            "q": "", "f": "-", "h": "-", "a": "-", "u": "-", "l": "-"}


logger_class = AccessLog


def pre_fork(server, worker):
    """What the master holds (the app, its modules) is left out of the workers' garbage
    collections: a full collection writes to every object it visits, and so would copy
    each page a worker shares with the master into the worker (Python's advice for
    fork without exec). bench/worker_memory.py, with a full collection forced in each
    worker after its first request (as comes, sooner or later, to every worker): PSS
    ≤ 60 MB per worker with this, ≤ 82 MB without; master and workers together 334 and
    464 MB."""
    gc.freeze()


def post_fork(server, worker):
    """A pooled database connection must never be used by two processes: should the
    master ever have connected while loading the app, each worker starts with a pool
    of its own (SQLAlchemy's advice for forked processes: close=False leaves the
    master's connections to the master)."""
    from booking.extensions import db

    app = server.app.wsgi()
    if "sqlalchemy" in getattr(app, "extensions", {}):
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
