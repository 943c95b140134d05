"""(b) One label action through Store.add_span against a bare sqlite3 INSERT + commit.

A label action is what the reader does when a key labels a selection: ``Store.add_span``,
which validates the offsets, checks overlap and duplicates, inserts the span and its undo
(history) row, clears the redo entries, and commits -- one durable transaction.  The baseline
is the least any durable store must do: one INSERT into the same ``spans`` table and a commit,
on a second connection to the same file with the same settings (WAL, synchronous=FULL).  The
two are interleaved in one run (which goes first alternates), so disk and cache conditions are
shared.  Target: at most 2x the bare insert at p50 and p95.

    python bench/label_commit.py [--actions 1000] [--dir DIR]

``--dir`` picks the file system to measure on (default: the system temp folder): the commit's
fsync dominates both, so the numbers are those of that disk.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from annotator.store import Store

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_fbaffb694397fea6.txt"

BARE_INSERT = (
    "INSERT INTO spans(doc_id, start, end, label, annotator, status, created, updated)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
WARMUP = 20


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times), cuts[94]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=1000, help="label actions of each kind")
    parser.add_argument("--dir", default=None, help="folder for the database (default: temp)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "bench.db"
        store = Store(path, annotator="bench")
        n = args.actions + WARMUP
        seed = SEED.read_text(encoding="utf-8")
        text = seed * (4 * n // len(seed) + 1)
        doc = store.open_document(text, Path(folder) / "seed.txt")[0].id

        bare = sqlite3.connect(path, timeout=30)  # Python's default: BEGIN before the INSERT
        assert bare.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
        bare.execute("PRAGMA synchronous = FULL")
        stamp = datetime.now(timezone.utc).isoformat(timespec="microseconds")

        def label_action(i: int) -> float:
            t0 = time.perf_counter()
            store.add_span(doc, 4 * i, 4 * i + 1, "PER")
            return time.perf_counter() - t0

        def bare_insert(i: int) -> float:
            row = (doc, 4 * i + 2, 4 * i + 3, "PER", "bench", "accepted", stamp, stamp)
            t0 = time.perf_counter()
            bare.execute(BARE_INSERT, row)
            bare.commit()
            return time.perf_counter() - t0

        store_times: list[float] = []
        bare_times: list[float] = []
        for i in range(n):
            if i % 2:
                s, b = label_action(i), bare_insert(i)
            else:
                b, s = bare_insert(i), label_action(i)
            if i >= WARMUP:
                store_times.append(s)
                bare_times.append(b)
        bare.close()
        store.close()

    s50, s95 = percentiles(store_times)
    b50, b95 = percentiles(bare_times)
    print(f"label actions: {args.actions} of each, interleaved, WAL + synchronous=FULL, {folder}")
    print(f"Store.add_span (span + history + commit): p50 {s50 * 1e3:7.3f} ms   p95 {s95 * 1e3:7.3f} ms")
    print(f"bare INSERT + commit:                     p50 {b50 * 1e3:7.3f} ms   p95 {b95 * 1e3:7.3f} ms")
    print(f"ratio (target <= 2x):                     p50 {s50 / b50:7.2f}x      p95 {s95 / b95:7.2f}x")


if __name__ == "__main__":
    main()
