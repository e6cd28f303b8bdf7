"""Issue #14's targets for the rows of bench/over_http.py, and each row's verdict: met,
or missed with the cause the row's own figures show (CPU per request and how busy the
cores were), so that a run names its misses without anyone reading the table.

Pure (no app, no server): tests give it rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from wrk_output import Row

# A row whose CPU use over its run came this close to all cores was limited by them.
CPU_BOUND = 0.9
# Radicale serves the same 5,000 events in about 0.5 s on the development machine.
RADICALE_MS = 500.0


@dataclass(frozen=True)
class ShareOfBare:
    """At least `share` of the bare endpoint's rate in the same run. `known` names
    what of the cost the design requires (said with a miss)."""

    share: float
    known: str = ""

    def __str__(self) -> str:
        return f"≥ {self.share:.0%}"

    def verdict(self, row: Row, bare: Row, cores: int) -> str:
        if row.rps >= self.share * bare.rps:
            return "met"
        spent, limit = _machine_us(row), _machine_us(bare)
        if not spent or not limit:
            return f"missed: {row.rps / bare.rps:.0%} of bare"
        if _busy(row, cores) < CPU_BOUND:
            return (f"missed: not CPU-bound (cores {_busy(row, cores):.0%} busy), "
                    "time went to waiting")
        cause = (f"missed: {spent:.0f} µs of machine CPU per request (web "
                 f"{_us(row, 'server'):.0f}, db {_us(row, 'database'):.0f}) against bare "
                 f"{limit:.0f}; {self} needs ≤ {limit / self.share:.0f}")
        return f"{cause}; {self.known}" if self.known else cause


@dataclass(frozen=True)
class Latency:
    """p99 below `p99_ms` with `clients` concurrent clients, and no errors."""

    p99_ms: float
    clients: int

    def __str__(self) -> str:
        return f"p99 < {self.p99_ms:.0f} ms, 0 errors"

    def verdict(self, row: Row, bare: Row, cores: int) -> str:
        if row.errors:
            return f"missed: {row.errors} errors"
        if row.p99_ms < self.p99_ms:
            return "met"
        spent = row.cpu.get("machine", 0.0)
        if not spent:
            return f"missed: p99 {row.p99_ms:.0f} ms"
        if _busy(row, cores) < CPU_BOUND:
            return (f"missed: not CPU-bound (cores {_busy(row, cores):.0%} busy), "
                    "time went to waiting")
        # Little's law: each of the clients waits for all the others' CPU time, so a
        # p50 of clients x CPU per request / cores; the p99 keeps its measured spread.
        spread = row.p99_ms / row.p50_ms if row.p50_ms else 1.0
        needed = cores * self.p99_ms / (self.clients * spread)
        return (f"missed: CPU-bound, {spent:.1f} ms of machine CPU per request (web "
                f"{row.cpu.get('server', 0.0):.1f}, db {row.cpu.get('database', 0.0):.1f})"
                f" on {cores} cores gives {self.clients} clients a p50 of "
                f"{self.clients * spent / cores:.0f} ms; with this run's p99/p50 of "
                f"{spread:.2f}, the target needs ≤ {needed:.1f} ms per request")


@dataclass(frozen=True)
class FasterThanRadicale:
    """Every answer (p99) faster than Radicale builds the same feed."""

    def __str__(self) -> str:
        return "never < Radicale"

    def verdict(self, row: Row, bare: Row, cores: int) -> str:
        if row.errors:
            return f"missed: {row.errors} errors"
        if row.p99_ms < RADICALE_MS:
            return "met"
        return f"missed: p99 {row.p99_ms:.0f} ms against Radicale's {RADICALE_MS:.0f} ms"


Target = ShareOfBare | Latency | FasterThanRadicale

# The feed's poll answers read the feed's version from the database on every request.
_VERSION_READ = ("the db part is the version read on every poll that DESIGN.md requires "
                 "(a cache key read in the same request)")


def targets(post_clients: int, threads: int) -> dict[str, Target]:
    """The targets of issue #14 by row name."""
    post = Latency(150.0, post_clients)
    return {
        "week picker, one therapist": ShareOfBare(0.25),
        "week picker, first available": ShareOfBare(0.25),
        "team page": ShareOfBare(0.25),
        "availability API, 7 days": ShareOfBare(0.40),
        "availability API, 28 days": ShareOfBare(0.25),
        "feed 5,000 bookings, full GET": FasterThanRadicale(),
        "feed 5,000 bookings, HEAD": ShareOfBare(0.70, _VERSION_READ),
        "feed 5,000 bookings, 304": ShareOfBare(0.70, _VERSION_READ),
        f"booking POST, {post_clients} clients": post,
        f"booking POST, {post_clients} clients, gthread x{threads}": post,
    }


MEMORY_MB = 120.0


def memory_verdict(rss_mb: float) -> str:
    """Resident memory of the largest worker against the target."""
    return "met" if rss_mb < MEMORY_MB else f"missed: RSS {rss_mb:.0f} MB"


def _us(row: Row, who: str) -> float:
    return row.cpu.get(who, 0.0) * 1000


def _machine_us(row: Row) -> float:
    return _us(row, "machine")


def _busy(row: Row, cores: int) -> float:
    """How much of all cores the row used (CPU ms per request times requests/s)."""
    return row.cpu.get("machine", 0.0) * row.rps / 1000 / cores
