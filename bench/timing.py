"""Timing for the benchmarks: the best of a few runs, so a noisy neighbour counts least."""

from __future__ import annotations

import time


def best_of(repeat: int, fn, *args) -> float:
    """The shortest of ``repeat`` runs of ``fn(*args)``, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    return min(times)
