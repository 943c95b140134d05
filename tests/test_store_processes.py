"""The store under real concurrent processes and real crashes (SIGKILL), no mocks.

Each worker is a fresh Python process running WORKER below: it opens a Store on the shared
file, prints "ready", waits for "go" on stdin (so two workers start together), then adds spans.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

from annotator.store import Store

TIMEOUT_S = 30

WORKER = r"""
import sys
from annotator.store import OverlapError, Store

mode, path, doc = sys.argv[1:4]
numbers = [int(n) for n in sys.argv[4:]]
store = Store(path, annotator=f"worker-{mode}")
print("ready", flush=True)
if mode != "kill":
    sys.stdin.readline()

if mode == "distinct":  # every 4th offset from `first`
    first, count = numbers
    for k in range(count):
        store.add_span(doc, first + 4 * k, first + 4 * k + 1, "PER")
elif mode == "race":  # pair k: [10k + shift, 10k + shift + 5), each pair on a new "go"
    shift, count = numbers
    for k in range(count):
        if k:
            sys.stdin.readline()
        start = 10 * k + shift
        try:
            span = store.add_span(doc, start, start + 5, "LOC" if shift else "PER")
        except OverlapError:
            print("lost", k, flush=True)
        else:
            print("won", k, span.id, flush=True)
elif mode == "kill":  # add spans one after another until killed; print each id once stored
    (first,) = numbers
    for k in range(first, first + 10_000):
        span = store.add_span(doc, k, k + 1, "PER")
        print(span.id, flush=True)
store.close()
"""


def start_worker(*args) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    assert worker.stdout.readline() == "ready\n", worker.stderr.read()
    return worker


def release(workers) -> None:
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()


def finish(workers) -> None:
    """Wait for the workers, which must end well."""
    for worker in workers:
        _, err = worker.communicate(timeout=TIMEOUT_S)
        assert worker.returncode == 0 and err == "", err


def new_document(tmp_path, length: int) -> tuple[str, str]:
    path = tmp_path / "shared.db"
    with Store(path, annotator="setup") as store:
        doc = store.open_document("ب" * length, tmp_path / "doc.txt")[0].id
    return str(path), doc


def integrity(path: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        result = conn.execute("PRAGMA integrity_check").fetchall()
    conn.close()
    return result


def test_two_processes_adding_spans_at_the_same_time_lose_none(tmp_path):
    path, doc = new_document(tmp_path, 1000)
    workers = [start_worker("distinct", path, doc, first, 200) for first in (0, 2)]
    release(workers)
    finish(workers)
    with Store(path) as store:
        starts = sorted(span.start for span in store.spans(doc))
    assert starts == list(range(0, 800, 2))
    assert integrity(path) == [("ok",)]


def test_two_processes_racing_for_overlapping_spans_get_one_each_pair(tmp_path):
    pairs = 150
    path, doc = new_document(tmp_path, 10 * pairs + 10)
    workers = [start_worker("race", path, doc, shift, pairs) for shift in (0, 2)]
    winners = []
    for k in range(pairs):  # both start pair k at once (first one, then the other), and report
        release(workers[::-1] if k % 2 else workers)
        results = [worker.stdout.readline().split() for worker in workers]
        assert sorted(r[0] for r in results) == ["lost", "won"], (k, results)
        winners.append(results[0][0] == "won")
    finish(workers)
    assert 0 < sum(winners) < pairs, "one process won every pair: the two never raced"
    with Store(path) as store:
        spans = store.spans(doc)
    assert [span.start // 10 for span in spans] == list(range(pairs))
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    assert integrity(path) == [("ok",)]


def test_a_writer_killed_at_random_moments_keeps_every_span_it_reported(tmp_path):
    rounds = 60
    path, doc = new_document(tmp_path, 10_000 * rounds)
    rng = random.Random(20261125)
    reported: list[int] = []
    for n in range(rounds):
        worker = start_worker("kill", path, doc, 10_000 * n)
        time.sleep(rng.uniform(0, 0.05))
        os.kill(worker.pid, signal.SIGKILL)
        out, _ = worker.communicate(timeout=TIMEOUT_S)
        assert worker.returncode == -signal.SIGKILL
        printed = [int(line) for line in out.split("\n")[:-1]]  # a cut-off last line is not a report
        reported += printed
        with sqlite3.connect(path) as conn:
            stored = {row[0] for row in conn.execute("SELECT id FROM spans")}
            logged = {row[0] for row in conn.execute("SELECT span_id FROM history WHERE action = 'add'")}
            check = conn.execute("PRAGMA integrity_check").fetchall()
        conn.close()
        assert set(printed) <= stored and set(printed) <= logged, f"kill {n} lost a reported span"
        assert check == [("ok",)]
    assert len(reported) > rounds  # the kills really landed while spans were being added
    with Store(path) as store:
        assert {span.id for span in store.spans(doc)} >= set(reported)
