"""Measure the memory of each gunicorn worker after it has served visitors' pages, the
API and a feed (issue #14: under 120 MB per worker).

Run: .venv/bin/python bench/worker_memory.py [--postgres URL] [--requests N]
It serves the same database and app as bench/over_http.py (whose set-up it reuses),
under gunicorn.conf.py, sends N requests spread over the workers from 8 threads, then
reads /proc/<pid>/smaps_rollup of the master and each worker. Memory does not depend
on the load of the machine the way request rates do, so this is quick and repeatable.

RSS counts every page a process maps, shared or not; PSS splits each shared page among
the processes that share it (what the workers cost the machine together is the sum of
their PSS); USS is what only that process holds (what stopping it would free).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import over_http  # noqa: E402  (the same data and server as the HTTP benchmark)
from served import NOW  # noqa: E402

from booking import create_app  # noqa: E402
from booking.clock import FixedClock  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    with over_http.throwaway_database(args.postgres) as url, \
            tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=over_http.SECRET,
                   BOOKING_ENV="development", BASE_URL="http://127.0.0.1",
                   MAIL_URL=f"file://{scratch}/mail", PYTHONPATH=str(over_http.ROOT))
        env.pop("REDIS_URL", None)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": over_http.SECRET,
                          "CLOCK": FixedClock(NOW)})
        with app.app_context():
            import flask_migrate

            from booking.extensions import db
            from booking.services import demo

            flask_migrate.upgrade()
            demo.seed_demo(NOW)
            paths = over_http.fill()
            db.engine.dispose()
        paths = [path for _, path in paths["pages"]] + [paths["feed"]]
        with over_http.gunicorn("served:app", env) as base:
            with ThreadPoolExecutor(8) as pool:
                codes = set(pool.map(_get, (base + paths[n % len(paths)]
                                            for n in range(args.requests))))
            print(f"gunicorn.conf.py, {args.requests} requests, status {sorted(codes)}")
            print(_table(over_http.gunicorn.current.pid))  # type: ignore[attr-defined]


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=60) as answer:
        answer.read()
        return answer.status


def _table(master: int) -> str:
    workers = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                             text=True).stdout.split()
    lines = [f"  {'process':8} {'RSS MB':>7} {'PSS MB':>7} {'USS MB':>7}"]
    rows = [("master", _memory(master))] + [(f"worker {n}", _memory(int(pid)))
                                            for n, pid in enumerate(workers, 1)]
    for name, (rss, pss, uss) in rows:
        lines.append(f"  {name:8} {rss:7.1f} {pss:7.1f} {uss:7.1f}")
    sizes = [size for name, size in rows if name != "master"]
    lines.append(f"  workers: RSS ≤ {max(s[0] for s in sizes):.0f} MB, PSS ≤ "
                 f"{max(s[1] for s in sizes):.0f} MB, sum of PSS with the master "
                 f"{sum(size[1] for _, size in rows):.0f} MB")
    return "\n".join(lines)


def _memory(pid: int) -> tuple[float, float, float]:
    """RSS, PSS and USS of a process, in MB."""
    fields = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    kb = {key: int(value.split()[0]) for key, value in fields.items()}
    return (kb["Rss"] / 1024, kb["Pss"] / 1024,
            (kb["Private_Clean"] + kb["Private_Dirty"]) / 1024)


if __name__ == "__main__":
    main()
