"""The corpus queue at 10,000 articles (~3 KB each) against the seed alone, in one run.

Every number is the real `annotator` started in a pty (as bench/first_screen.py does):

1. first screen, first time: `annotator DIR` on a fresh database against `annotator SEED` on a
   fresh database (target <= 2x); second time, the queue stored (target <= 1.5x);
2. `]` (next document) key to screen against a caret move's (Left) key to screen, the same
   process (target <= 3x); and the overview (O) key to its table on screen, for the record;
3. max RSS of the process with 10,000 queued against the seed alone (target <= 1.5x).

    python bench/queue_bench.py [--count 10000] [--rounds 3] [--keys 15]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import tempfile
import time
from pathlib import Path

from corpus import SEED, write_articles

from annotator.store import Store
from annotator.store.queue import fill_queue, start_queue


class Session:
    """`annotator ARGS` in a pty: wait for text on screen, press keys, time them."""

    def __init__(self, *args: str) -> None:
        self.started = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "xterm-256color"
            os.environ["COLUMNS"], os.environ["LINES"] = "120", "30"
            os.execvp("annotator", ["annotator", *args])
        self.output = b""

    def wait_for(self, pattern: bytes, since: int = 0) -> float:
        """Seconds since start until ``pattern`` shows in what was written after ``since``."""
        while pattern not in self.output[since:]:
            ready, _, _ = select.select([self.fd], [], [], 60)
            if not ready:
                raise RuntimeError(f"annotator did not show {pattern!r} in 60 s")
            self.output += os.read(self.fd, 65536)
        return time.perf_counter() - self.started

    def key(self, key: bytes, pattern: bytes) -> float:
        """Seconds from writing ``key`` until ``pattern`` is written after it."""
        self._drain()
        mark = len(self.output)
        t0 = time.perf_counter()
        os.write(self.fd, key)
        self.wait_for(pattern, mark)
        return time.perf_counter() - t0

    def _drain(self) -> None:
        while select.select([self.fd], [], [], 0.3)[0]:
            self.output += os.read(self.fd, 65536)

    def quit(self) -> int:
        """Quit; returns the process's max RSS in KiB."""
        os.write(self.fd, b"q")
        while True:
            try:
                if not os.read(self.fd, 65536):
                    break
            except OSError:
                break
        _, _, usage = os.wait4(self.pid, 0)
        os.close(self.fd)
        return usage.ru_maxrss


def first_screen(*args: str) -> tuple[float, int]:
    session = Session(*args)
    elapsed = session.wait_for(b"offset ")
    return elapsed, session.quit()


def main(count: int, rounds: int, keys: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        corpus = write_articles(tmp / "corpus", count)
        print(f"{count:,} articles written in {time.perf_counter() - t0:.1f} s")
        seed_db, corpus_db = tmp / "seed-again.db", tmp / "corpus-again.db"
        with Store(corpus_db) as store:  # the second-time database: the whole queue stored
            t0 = time.perf_counter()
            start_queue(store, _files(corpus))
            fill_queue(store)
            print(f"queue of {count:,} stored in-process in {time.perf_counter() - t0:.1f} s")
        first_screen(str(SEED), "--db", str(seed_db))
        first = {"seed": [], "corpus": []}
        again = {"seed": [], "corpus": []}
        rss = {"seed": [], "corpus": []}
        for k in range(rounds):
            first["seed"].append(first_screen(str(SEED), "--db", str(tmp / f"s{k}.db"))[0])
            first["corpus"].append(first_screen(str(corpus), "--db", str(tmp / f"c{k}.db"))[0])
            elapsed, kib = first_screen(str(SEED), "--db", str(seed_db))
            again["seed"].append(elapsed)
            rss["seed"].append(kib)
            elapsed, kib = first_screen(str(corpus), "--db", str(corpus_db))
            again["corpus"].append(elapsed)
            rss["corpus"].append(kib)
        for what, runs, target in (("first time", first, 2.0), ("second time", again, 1.5)):
            seed, queue = min(runs["seed"]), min(runs["corpus"])
            print(f"first screen, {what}: seed {seed * 1000:.0f} ms, {count:,}-file queue "
                  f"{queue * 1000:.0f} ms, ratio {queue / seed:.2f}x (target <= {target}x)")

        session = Session("--db", str(corpus_db))  # resume: the queue is stored
        session.wait_for(b"offset ")
        nexts, moves = [], []
        for n in range(keys):
            moves.append(session.key(b"\x1b[D", b"offset "))
            nexts.append(session.key(b"]", f"{n + 2} of {count}".encode()))
        overview = []
        for _ in range(3):
            overview.append(session.key(b"O", b"Queue: "))
            session.key(b"\x1b", b"offset ")  # back to the document
        rss_after_keys = session.quit()
        move, step = statistics.median(moves), statistics.median(nexts)
        print(f"key to screen (median of {keys}): caret move {move * 1000:.1f} ms, next document "
              f"{step * 1000:.1f} ms, ratio {step / move:.2f}x (target <= 3x)")
        print(f"overview of {count:,} documents, O to table on screen: "
              f"{min(overview) * 1000:.0f} ms (best of 3), {min(overview) / move:.1f}x a caret move")
        seed_kib, queue_kib = max(rss["seed"]), max(rss["corpus"])
        print(f"max RSS: seed {seed_kib / 1024:.1f} MiB, {count:,} queued {queue_kib / 1024:.1f} MiB, "
              f"ratio {queue_kib / seed_kib:.2f}x (target <= 1.5x); after {keys} ] and the "
              f"overview 3 times: {rss_after_keys / 1024:.1f} MiB")


def _files(corpus: Path) -> list[str]:
    from annotator.cli.corpus_paths import expand_paths

    return expand_paths([str(corpus)]).files


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keys", type=int, default=15)
    args = parser.parse_args()
    main(args.count, args.rounds, args.keys)
