"""Many annotators labelling into one database at once: nothing lost, nobody told "locked".

Each annotator is a separate process with its own ``Store`` on the same SQLite file and its own
name, as when a team labels from terminals over SSH or from browser tabs on one server.  Five
annotators share each document, as a team labels the same articles for agreement.  Each makes
about one action a second (label a word; now and then delete one of its spans or undo) for
``--seconds``, at a random phase so the actions do not march in step, and writes its progress
as the app does: the caret after each action (its own row in ``progress``), the document "in
progress" at the first action and "done" at the end, and once a second a look at
``data_version`` that rereads the document and its spans when another process committed.
Each process records every write the store confirmed and how long its commit took.
Afterwards the database must hold exactly the spans the confirmations add up to, and each
annotator's last caret and status; no process may have seen a "database is locked" (or any
other) error.

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


#: How many annotators label the same document.
TEAM = 5


def annotator(db: str, index: int, seconds: float, start_at: float, out: str) -> None:
    rng = random.Random(index)
    store = Store(db, annotator=f"annotator{index:02d}")
    # The same article with a team's mark: TEAM processes share each document, each with its
    # own spans and its own progress row, as annotators labelling for agreement do.
    text = SEED.read_text(encoding="utf-8") + f"\n{index // TEAM}"
    doc = store.open_document(text, f"/corpus/{index // TEAM}.txt")[0].id
    words = [w for w in tokenize(text) if w[1] - w[0] > 1]
    rng.shuffle(words)
    mine: set[int] = set()  # the spans this process was told are stored
    done: list[tuple[str, int]] = []  # its undo stack, as the store keeps it
    latencies: dict[str, list[float]] = {"label": [], "progress": []}  # by kind of write
    errors, actions = [], 0
    seen_version, caret, status = store.data_version(), 0, "new"

    def commit(action, *args):
        began = time.perf_counter()
        result = action(*args)
        kind = "progress" if action in (store.set_caret, store.set_status) else "label"
        latencies[kind].append(time.perf_counter() - began)
        return result

    time.sleep(max(0.0, start_at - time.time()) + rng.random())
    deadline = time.time() + seconds
    while time.time() < deadline and words:
        tick = time.time()
        try:
            roll = rng.random()
            if roll < 0.1 and mine:
                span_id = rng.choice(sorted(mine))
                commit(store.delete_span, span_id)
                mine.discard(span_id)
                done.append(("delete", span_id))
            elif roll < 0.15 and done:
                commit(store.undo, doc)
                action, span_id = done.pop()
                (mine.discard if action == "add" else mine.add)(span_id)
            else:
                start, end = words.pop()
                label = rng.choice(["PER", "LOC", "ORG"])
                span_id = commit(store.add_span, doc, start, end, label).id
                mine.add(span_id)
                done.append(("add", span_id))
                caret = start
            actions += 1
            commit(store.set_caret, doc, caret)  # the app saves the caret after an action
            if status == "new":
                commit(store.set_status, doc, "in_progress")
                status = "in_progress"
            version = store.data_version()  # the app's poll: reread what others committed
            if version != seen_version:
                seen_version = version
                store.document(doc)
                store.spans(doc)
        except StoreError as error:
            errors.append(str(error))
        time.sleep(max(0.0, 1.0 - (time.time() - tick)))
    try:
        commit(store.set_status, doc, "done")
        status = "done"
    except StoreError as error:
        errors.append(str(error))
    store.close()
    Path(out).write_text(json.dumps({"latencies": latencies, "errors": errors, "caret": caret,
                                     "actions": actions,
                                     "status": status, "annotator": store.annotator,
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
    stored: dict[tuple[str, str], set[int]] = {}
    with sqlite3.connect(db) as conn:
        for key in conn.execute("SELECT doc_id, annotator, id FROM spans WHERE status = 'accepted'"):
            stored.setdefault(key[:2], set()).add(key[2])
        progress = {key[:2]: key[2:] for key in conn.execute(
            "SELECT doc_id, annotator, caret, status FROM progress")}
    lost = sum(len(stored.get((r["doc"], r["annotator"]), set()) ^ set(r["expected"]))
               for r in results)
    wrong_progress = sum(progress.get((r["doc"], r["annotator"])) != (r["caret"], r["status"])
                         for r in results)
    latencies = {kind: sorted(x for r in results for x in r["latencies"][kind])
                 for kind in ("label", "progress")}
    every = sorted(latencies["label"] + latencies["progress"])
    return {
        "writers": writers,
        "actions": sum(r["actions"] for r in results),
        "commits": len(every),
        "errors": [e for r in results for e in r["errors"]],
        "spans": sum(map(len, stored.values())),
        "mismatch": lost,
        "wrong_progress": wrong_progress,
        "documents": len({r["doc"] for r in results}),
        "p50": {kind: statistics.median(xs) for kind, xs in (("all", every), *latencies.items())},
        "p99": {kind: statistics.quantiles(xs, n=100, method="inclusive")[98]
                for kind, xs in (("all", every), *latencies.items())},
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
        print(f"1 writer: {single['actions']} actions ({single['commits']} commits), "
              f"{single['mismatch']} missing or extra, {single['wrong_progress']} progress "
              "rows wrong")
        print_latencies(single)
        for n in args.writers:
            r = run(n, args.seconds, folder)
            print(f"{n} writers on {r['documents']} documents: {r['actions']} actions "
                  f"({r['commits']} commits), {r['spans']} spans stored, {r['mismatch']} missing "
                  f"or extra, {r['wrong_progress']} progress rows wrong, {len(r['errors'])} errors"
                  + (f" (first: {r['errors'][0]})" if r["errors"] else ""))
            print_latencies(r, single)


def print_latencies(r: dict, single: dict | None = None) -> None:
    for kind in ("all", "label", "progress"):
        line = f"  {kind + ' commits':>16}: p50 {r['p50'][kind] * 1e3:.2f} ms"
        if single:
            line += f" ({r['p50'][kind] / single['p50'][kind]:.2f}x one writer)"
        line += f", p99 {r['p99'][kind] * 1e3:.2f} ms"
        if single:
            line += f" ({r['p99'][kind] / single['p99'][kind]:.2f}x)"
        print(line)

if __name__ == "__main__":
    main()
