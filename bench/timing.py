"""What the benchmarks share: the median of repeated runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

REPEATS = 7


def timed(call: Callable[[], object], repeats: int = REPEATS) -> float:
    """The median wall time of `call`, in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)
