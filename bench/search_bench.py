"""Corpus search over 10,000 generated articles against a bare ``LIKE '%word%'`` scan.

The articles (~3 KB of UTF-8 each) are sentences of the seed, shuffled, as bench/corpus.py
makes them; one in a hundred also names «أنطونيو غوتيريش», so there is a rare word as well as
words found in most articles.  All are stored with ``Store.open_document`` (which folds each
text and adds it to the FTS5 index in the same transaction).

Timed, interleaved in one run, the median of ``--rounds``:

* baseline: ``SELECT id FROM documents WHERE text LIKE '%word%'`` on a second connection to
  the same file -- a scan of every text, which does not even fold;
* ``Store.find_documents(word)``: every document that holds the word, from the index;
* the corpus search screen's work: how many documents match (``count_documents``), the first
  50 of them (``find_documents(word, limit=50)``) and their hits (folded, mapped back to
  offsets with ``fold()``).

Target: at most 0.1x the LIKE scan.

    python bench/search_bench.py [--documents 10000] [--rounds 7] [--dir DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from corpus import seed_text

from annotator.store import Store
from annotator.text.search import find_hits

ARTICLE_BYTES = 3 * 1024
RARE_NAME = "أنطونيو غوتيريش"
WORDS = ["غوتيريش", "الأمم", "الجيش"]  # rare (1%), then words of the seed
LISTED = 50  # documents whose hits the corpus search screen maps (screens/corpus_search.py)


def articles(count: int, rng_seed: int = 1) -> list[str]:
    sentences = [s for s in re.split(r"(?<=[.!؟])\s+", seed_text()) if s]
    rng = random.Random(rng_seed)
    out = []
    for n in range(count):
        parts, size = [], 0
        if n % 100 == 7:
            parts.append(f"قال {RARE_NAME} إن الوضع خطير.")
        while size < ARTICLE_BYTES:
            parts.append(rng.choice(sentences))
            size += len(parts[-1].encode("utf-8")) + 1
        out.append(f"{n}\n" + " ".join(parts))  # the number keeps every text distinct
    return out


def median_time(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--dir", default=None, help="folder for the database (default: temp)")
    args = parser.parse_args()

    texts = articles(args.documents)
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "bench.db"
        store = Store(path, annotator="bench")
        t0 = time.perf_counter()
        for n, text in enumerate(texts):
            store.open_document(text, Path(folder) / f"{n:05}.txt")
        stored = time.perf_counter() - t0
        size = sum(len(t.encode("utf-8")) for t in texts)
        print(f"{len(texts)} articles, {size / 2**20:.1f} MiB of text, stored (folded and "
              f"indexed) in {stored:.1f} s; database {path.stat().st_size / 2**20:.0f} MiB")
        bare = sqlite3.connect(path)

        def like(word: str):
            return [r[0] for r in bare.execute(
                "SELECT id FROM documents WHERE text LIKE ?", (f"%{word}%",))]

        def screen(word: str):
            ids = store.find_documents(word, limit=LISTED)
            return store.count_documents(word), [find_hits(store.text(d), word) for d in ids]

        print(f"{'word':>10}  {'docs (LIKE / index)':>20}  {'LIKE scan':>10}  "
              f"{'find_documents':>14}  {'ratio':>7}  {'screen (50 docs)':>18}  {'ratio':>7}")
        for word in WORDS:
            times: dict[str, list[float]] = {"like": [], "index": [], "screen": []}
            for round_ in range(args.rounds):
                order = ["like", "index", "screen"] if round_ % 2 else ["screen", "index", "like"]
                for kind in order:
                    fn = {"like": like, "index": store.find_documents, "screen": screen}[kind]
                    elapsed, result = median_time(lambda: fn(word))
                    times[kind].append(elapsed)
                    if kind == "like":
                        found_like = len(result)
                    elif kind == "index":
                        found_index = len(result)
            like_t, index_t, screen_t = (statistics.median(times[k]) for k in ("like", "index", "screen"))
            print(f"{word:>10}  {found_like:>9} / {found_index:<8}  {like_t * 1e3:8.1f} ms  "
                  f"{index_t * 1e3:11.1f} ms  {index_t / like_t:6.3f}x  {screen_t * 1e3:15.1f} ms  "
                  f"{screen_t / like_t:6.3f}x")
        bare.close()
        store.close()
    print("target: <= 0.1x the LIKE scan")


if __name__ == "__main__":
    main()
