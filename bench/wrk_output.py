"""What a wrk run measured, read from its output: the rows of bench/over_http.py.

Pure (no app, no server), so that tests can read wrk's real output with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Row:
    """One row of the table: requests per second, latencies, and what went wrong."""

    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    note: str = ""
    cpu: dict[str, float] = field(default_factory=dict)  # CPU ms per request, by whom


def parse_wrk(name: str, output: str, read_errors_count: bool = True) -> Row:
    """The row of wrk's `--latency` output. Errors are socket errors and answers other
    than 2xx or 3xx; `read_errors_count=False` leaves read errors out (a HEAD answer
    ends when the server closes the connection, which wrk counts as a read error)."""
    def ms(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if not match:
            return float("nan")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    kinds = "connect|read|write|timeout" if read_errors_count else "connect|write|timeout"
    errors = sum(int(n) for n in re.findall(rf"(?:{kinds}) (\d+)", output))
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return Row(name, rps, ms("50"), ms("99"), requests, errors)
