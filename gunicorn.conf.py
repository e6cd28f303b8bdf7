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
# Requests wait on the database, not the CPU: two per core plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = 30  # a request that takes longer is stuck: the worker is replaced
graceful_timeout = 30  # on SIGTERM/SIGHUP, finish what is under way first
keepalive = 5  # the proxy reuses connections
max_requests = 2000  # recycle workers now and then (memory), spread out
max_requests_jitter = 200
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
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(environ.get("PATH_INFO", ""))
        kept = ("t", "m", "s", "b", "B", "T", "D", "M", "L", "p", "{x-request-id}o")
        return {key: atoms.get(key, "-") for key in kept} | {
            "U": path, "r": f"{atoms['m']} {path} {atoms['H']}", "q": "", "f": "-", "h": "-",
            "a": "-", "u": "-", "l": "-", "H": atoms["H"]}


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
