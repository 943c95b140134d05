"""Many annotators labelling into one database at once: nothing lost, nobody told "locked".

Each annotator is a separate process with its own ``Store`` on the same SQLite file, as when
a team labels from terminals over SSH or from browser tabs on one server.  Each makes about
one action a second (label a word; now and then delete one of its spans or undo) for
``--seconds``, at a random phase so the actions do not march in step, and records every
action the store confirmed and how long its commit took.  Afterwards the database must hold
exactly the spans the confirmations add up to, and no process may have seen a "database is
locked" (or any other) error.

The commit latency of N writers is reported against one writer's, measured in the same run
at the same rate -- ratios, since these machines are noisy.

    python bench/load_bench.py [--writers 20 50] [--seconds 60] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from annotator.store import Store, StoreError
from annotator.text.tokens import tokenize

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_fbaffb694397fea6.txt"


def annotator(db: str, index: int, seconds: float, start_at: float, out: str) -> None:
    rng = random.Random(index)
    store = Store(db, annotator=f"annotator{index:02d}")
    # A document of its own: the same article with a mark, so overlap checks stay realistic
    # without two processes fighting over the same words.
    text = SEED.read_text(encoding="utf-8") + f"\n{index}"
    doc = store.open_document(text, f"/corpus/{index}.txt")[0].id
    words = [w for w in tokenize(text) if w[1] - w[0] > 1]
    rng.shuffle(words)
    mine: set[int] = set()  # the spans this process was told are stored
    done: list[tuple[str, int]] = []  # its undo stack, as the store keeps it
    latencies, errors = [], []
    time.sleep(max(0.0, start_at - time.time()) + rng.random())
    deadline = time.time() + seconds
    while time.time() < deadline and words:
        tick = time.time()
        try:
            began = time.perf_counter()
            roll = rng.random()
            if roll < 0.1 and mine:
                span_id = rng.choice(sorted(mine))
                store.delete_span(span_id)
                mine.discard(span_id)
                done.append(("delete", span_id))
            elif roll < 0.15 and done:
                store.undo(doc)
                action, span_id = done.pop()
                (mine.discard if action == "add" else mine.add)(span_id)
            else:
                start, end = words.pop()
                span_id = store.add_span(doc, start, end, rng.choice(["PER", "LOC", "ORG"])).id
                mine.add(span_id)
                done.append(("add", span_id))
            latencies.append(time.perf_counter() - began)
        except StoreError as error:
            errors.append(str(error))
        time.sleep(max(0.0, 1.0 - (time.time() - tick)))
    store.close()
    Path(out).write_text(json.dumps({"latencies": latencies, "errors": errors,
                                     "expected": sorted(mine), "doc": doc}))


def run(writers: int, seconds: float, folder: Path) -> dict:
    db = folder / f"load{writers}.db"
    Store(db, annotator="setup").close()
    start_at = time.time() + 2.0  # every process imported and connected before the clock
    outs = [folder / f"out{writers}-{i}.json" for i in range(writers)]
    procs = [multiprocessing.Process(target=annotator, args=(str(db), i, seconds, start_at, str(o)))
             for i, o in enumerate(outs)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    results = [json.loads(o.read_text()) for o in outs]
    stored: dict[str, set[int]] = {}
    with sqlite3.connect(db) as conn:
        for doc, span_id in conn.execute("SELECT doc_id, id FROM spans WHERE status = 'accepted'"):
            stored.setdefault(doc, set()).add(span_id)
    lost = sum(len(stored.get(r["doc"], set()) ^ set(r["expected"])) for r in results)
    latencies = sorted(x for r in results for x in r["latencies"])
    return {
        "writers": writers,
        "actions": len(latencies),
        "errors": [e for r in results for e in r["errors"]],
        "spans": sum(map(len, stored.values())),
        "mismatch": lost,
        "p50": statistics.median(latencies),
        "p99": statistics.quantiles(latencies, n=100, method="inclusive")[98],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, nargs="+", default=[20, 50])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--dir", default=None, help="folder for the databases (default: temp)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as name:
        folder = Path(name)
        single = run(1, args.seconds, folder)
        print(f"1 writer: {single['actions']} actions, p50 {single['p50'] * 1e3:.2f} ms, "
              f"p99 {single['p99'] * 1e3:.2f} ms")
        for n in args.writers:
            r = run(n, args.seconds, folder)
            print(f"{n} writers: {r['actions']} actions committed, {r['spans']} spans stored, "
                  f"{r['mismatch']} missing or extra, {len(r['errors'])} errors"
                  + (f" (first: {r['errors'][0]})" if r["errors"] else ""))
            print(f"  commit p50 {r['p50'] * 1e3:.2f} ms ({r['p50'] / single['p50']:.2f}x one "
                  f"writer), p99 {r['p99'] * 1e3:.2f} ms ({r['p99'] / single['p99']:.2f}x)")


if __name__ == "__main__":
    main()
