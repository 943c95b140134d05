"""Export at scale: 100,000 documents with 1,000,000 spans.

    python bench/export_bench.py [--docs 100000] [--spans-per-doc 10] [--keep DIR]

1. Builds the databases (schema from ``annotator.store.Store``, rows inserted with
   ``executemany`` straight into the tables, not through Store): news-like Arabic
   documents of 2-4 sentences of the seed article with a unique serial, ten
   token-aligned, non-overlapping accepted spans each; one of three annotators per
   document, and a second one (3 of the 10 spans) on every tenth document.
2. Times ``annotator.pipeline.export.export`` (``--format jsonl``) against bare sqlite3 +
   json.dumps loops over the same rows, in the same run (best of 3 each):
   * ``bare, same output``: one SELECT of the documents, one SELECT of each
     document's spans, the same tokens and hashes, ``json.dumps`` per record, one
     plain ``write`` per line -- it must produce the identical bytes (checked);
   * ``bare, text+spans``: the same loop writing only text, spans and meta (no
     tokens, no hashes), to show what the Prodigy token list costs.
   Target: export <= 1.5x "bare, same output".
3. Peak memory of ``export`` at 10k, 50k and 100k documents, each in a fresh child
   process: tracemalloc's peak (Python objects) and the process's peak resident set
   (``VmHWM``, SQLite's page cache included).  It should stay flat as the corpus grows.
   (Not ``ru_maxrss``: Linux carries it over from the parent across fork and exec, so in
   a child it reports this script's own size, not the export's.)

A script, not a test: it prints a table; numbers go in README.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from corpus import seed_text  # noqa: E402
from timing import best_of  # noqa: E402

from annotator.pipeline.export import ExportOptions, export, input_hash, task_hash  # noqa: E402
from annotator.text.tokens import spacy_tokens, tokenize  # noqa: E402

LABELS = ("PER", "LOC", "ORG", "MISC")
ANNOTATORS = ("amira", "bilal", "model")
NOW = "2026-11-25T00:00:00.000000+00:00"


def sentences() -> list[str]:
    import re

    return [s for s in re.split(r"(?<=[.!؟])\s+", seed_text()) if len(s) > 40]


def build(path: Path, n_docs: int, spans_per_doc: int, seed: int = 7) -> None:
    from annotator.store import Store

    if path.exists():
        path.unlink()
    Store(path).close()  # the schema, exactly as the app creates it
    rng = random.Random(seed)
    pool = sentences()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous=OFF")
    batch_docs, batch_spans, batch_progress = [], [], []

    def flush() -> None:
        conn.executemany(
            "INSERT INTO documents (id, text, length, source, first_seen, last_seen)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            batch_docs,
        )
        # each annotator's own status (schema 4); "new" is no row at all
        conn.executemany("INSERT INTO progress (doc_id, annotator, status) VALUES (?, ?, ?)",
                         batch_progress)
        conn.executemany(
            "INSERT INTO spans (doc_id, start, end, label, annotator, status, created, updated)"
            " VALUES (?, ?, ?, ?, ?, 'accepted', ?, ?)",
            batch_spans,
        )
        conn.commit()
        batch_docs.clear()
        batch_spans.clear()
        batch_progress.clear()

    for serial in range(n_docs):
        text = f"{serial} " + " ".join(rng.sample(pool, rng.randint(2, 4)))
        while len(tokenize(text)) < 4 * spans_per_doc:
            text += " " + rng.choice(pool)
        doc_id = hashlib.sha256(text.encode("utf-8")).hexdigest()
        status = ("new", "in_progress", "done")[serial % 3]
        batch_docs.append((doc_id, text, len(text), f"/corpus/{serial:06d}.txt", NOW, NOW))
        words = [w for w in tokenize(text) if text[w[0]].isalpha()]
        # Spans start on even-numbered words and cover one or two words: never overlapping.
        # One annotator per document; every tenth document has a second one for 3 spans.
        second = ANNOTATORS[(serial + 1) % 3] if serial % 10 == 0 else None
        if status != "new":
            batch_progress.append((doc_id, ANNOTATORS[serial % 3], status))
        picks = sorted(rng.sample(range(0, len(words) - 1, 2), spans_per_doc))
        for n, index in enumerate(picks):
            last = index + 1 if rng.random() < 0.3 else index
            start, end = words[index][0], words[last][1]
            who = second if second and n >= spans_per_doc - 3 else ANNOTATORS[serial % 3]
            batch_spans.append((doc_id, start, end, rng.choice(LABELS), who, NOW, NOW))
        if len(batch_docs) >= 5000:
            flush()
    flush()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def bare_same_output(db: Path, out: Path) -> None:
    """The naive loop, producing exactly what export writes."""
    conn = sqlite3.connect(db)
    with out.open("w", encoding="utf-8") as fh:
        for doc_id, text, source in conn.execute(
            "SELECT id, text, source FROM documents ORDER BY rowid"
        ):
            statuses = dict(conn.execute("SELECT annotator, status FROM progress WHERE doc_id = ?",
                                         (doc_id,)))
            rows = conn.execute(
                "SELECT annotator, start, end, label FROM spans WHERE doc_id = ? AND status = 'accepted'"
                " ORDER BY annotator, start, end, id",
                (doc_id,),
            ).fetchall()
            if not rows:
                continue
            words = tokenize(text)
            toks = spacy_tokens(text, words)
            tok_start = {s: i for i, (s, _, _) in enumerate(toks)}
            tok_end = {e: i for i, (_, e, _) in enumerate(toks)}
            tokens = [{"text": text[s:e], "start": s, "end": e, "id": i, "ws": ws} for i, (s, e, ws) in enumerate(toks)]
            in_hash = input_hash(text)
            for annotator, group in itertools.groupby(rows, key=lambda r: r[0]):
                group = list(group)
                record = {
                    "text": text,
                    "spans": [
                        {"start": s, "end": e, "label": label, "text": text[s:e],
                         "token_start": tok_start[s], "token_end": tok_end[e]}
                        for _, s, e, label in group
                    ],
                    "tokens": tokens,
                    "meta": {"source": source, "doc_id": doc_id, "annotator": annotator,
                             "status": statuses.get(annotator, "new")},
                    "_input_hash": in_hash,
                    "_task_hash": task_hash(in_hash, [(s, e, label) for _, s, e, label in group]),
                    "answer": "accept",
                }
                fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    conn.close()


def bare_minimal(db: Path, out: Path) -> None:
    """The naive loop, text + spans + meta only."""
    conn = sqlite3.connect(db)
    with out.open("w", encoding="utf-8") as fh:
        for doc_id, text, source in conn.execute(
            "SELECT id, text, source FROM documents ORDER BY rowid"
        ):
            statuses = dict(conn.execute("SELECT annotator, status FROM progress WHERE doc_id = ?",
                                         (doc_id,)))
            rows = conn.execute(
                "SELECT annotator, start, end, label FROM spans WHERE doc_id = ? AND status = 'accepted'"
                " ORDER BY annotator, start, end, id",
                (doc_id,),
            ).fetchall()
            for annotator, group in itertools.groupby(rows, key=lambda r: r[0]):
                record = {
                    "text": text,
                    "spans": [{"start": s, "end": e, "label": label, "text": text[s:e]} for _, s, e, label in group],
                    "meta": {"source": source, "doc_id": doc_id, "annotator": annotator,
                             "status": statuses.get(annotator, "new")},
                }
                fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    conn.close()


def ours(db: Path, out: Path) -> None:
    export(db, str(out), ExportOptions())


def child_memory(db: Path, out: Path) -> dict:
    """Run one export in a fresh interpreter; its peak memory."""
    code = (
        "import json, resource, sys, tracemalloc\n"
        "def peak_rss_kib():\n"
        "    try:\n"
        "        with open('/proc/self/status') as status:\n"
        "            return next(int(l.split()[1]) for l in status if l.startswith('VmHWM:'))\n"
        "    except OSError:  # no /proc: ru_maxrss, which may include the parent's\n"
        "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "from annotator.pipeline.export import ExportOptions, export\n"
        "mode = sys.argv[3]\n"
        "if mode == 'tracemalloc': tracemalloc.start()\n"
        "summary = export(sys.argv[1], sys.argv[2], ExportOptions())\n"
        "peak = tracemalloc.get_traced_memory()[1] if mode == 'tracemalloc' else None\n"
        "print(json.dumps({'records': summary.records, 'tracemalloc_peak': peak,"
        " 'maxrss_kib': peak_rss_kib()}))\n"
    )
    result = {}
    for mode in ("tracemalloc", "rss"):
        proc = subprocess.run(
            [sys.executable, "-c", code, str(db), str(out), mode],
            capture_output=True, text=True, check=True,
        )
        data = json.loads(proc.stdout)
        result["records"] = data["records"]
        if mode == "tracemalloc":
            result["tracemalloc_peak"] = data["tracemalloc_peak"]
        else:
            result["maxrss_kib"] = data["maxrss_kib"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--spans-per-doc", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="build the databases here and keep them")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="export-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        sizes = sorted({args.docs // 10, args.docs // 2, args.docs})
        dbs = {}
        for n in sizes:
            dbs[n] = work / f"corpus-{n}.db"
            if not dbs[n].exists():
                t0 = time.perf_counter()
                build(dbs[n], n, args.spans_per_doc)
                print(f"built {n:,} documents, {n * args.spans_per_doc:,} spans "
                      f"in {time.perf_counter() - t0:.1f} s ({dbs[n].stat().st_size / 2**20:.0f} MiB)")
        big = dbs[args.docs]
        out_ours, out_bare, out_min = work / "ours.jsonl", work / "bare.jsonl", work / "minimal.jsonl"
        t_bare = best_of(3, bare_same_output, big, out_bare)
        t_ours = best_of(3, ours, big, out_ours)
        t_min = best_of(3, bare_minimal, big, out_min)
        same = _same_file(out_ours, out_bare)
        lines = sum(1 for _ in out_ours.open("rb"))
        print()
        print(f"export of {args.docs:,} documents / {args.docs * args.spans_per_doc:,} spans "
              f"-> {lines:,} JSONL records, {out_ours.stat().st_size / 2**20:.0f} MiB (best of 3)")
        print(f"  bare sqlite3+json.dumps, same output : {t_bare:7.2f} s")
        print(f"  annotator export --format jsonl      : {t_ours:7.2f} s   ratio {t_ours / t_bare:.2f}x "
              f"(target <= 1.5x)   identical bytes: {same}")
        print(f"  bare, text+spans only (no tokens)    : {t_min:7.2f} s   "
              f"({out_min.stat().st_size / 2**20:.0f} MiB; export/this = {t_ours / t_min:.2f}x)")
        print()
        print("peak memory of one export (fresh process each):")
        print(f"  {'documents':>10}  {'records':>8}  {'tracemalloc peak':>17}  {'peak RSS':>10}")
        for n in sizes:
            mem = child_memory(dbs[n], work / f"mem-{n}.jsonl")
            print(f"  {n:>10,}  {mem['records']:>8,}  {mem['tracemalloc_peak'] / 2**20:>13.2f} MiB"
                  f"  {mem['maxrss_kib'] / 1024:>6.1f} MiB")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def _same_file(a: Path, b: Path) -> bool:
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


if __name__ == "__main__":
    main()
