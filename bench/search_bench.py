"""Corpus search over 10,000 generated articles against a bare ``LIKE '%word%'`` scan.

The articles (~3 KB of UTF-8 each) are sentences of the seed, shuffled, as bench/corpus.py
makes them; one in a hundred also names «أنطونيو غوتيريش», so there is a rare word as well as
words found in most articles.  All are stored with ``Store.open_document`` (which folds each
text and adds it to the FTS5 index in the same transaction).

Timed, interleaved in one run, the median of ``--rounds``:

* baseline: ``SELECT id FROM documents WHERE text LIKE '%word%'`` on a second connection to
  the same file -- a scan of every text, which does not even fold;
* ``Store.find_documents(word)``: every document that holds the word, from the index;
* the search the corpus search screen runs: how many documents match (``count_documents``,
  which stops counting past 1000),
  the first page of them (``find_documents(word, limit=PAGE)``, 25) and their hits (folded,
  mapped back to offsets with ``fold()``);
* that and each listed hit's context line, shaped and reordered (the screen's rows, not
  their painting).

Target: the search at most 0.1x the LIKE scan.

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
from annotator.text.layout import LayoutOptions
from annotator.text.search import find_hits
from annotator.tui.screens.corpus_search import COUNT_CAP, MAX_HITS, PAGE, context_line

ARTICLE_BYTES = 3 * 1024
RARE_NAME = "أنطونيو غوتيريش"
WORDS = ["غوتيريش", "الأمم", "الجيش"]  # rare (1%), then words of the seed


LAYOUT = LayoutOptions()


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
        store.close()  # searched in a later session, as a corpus is: the WAL checkpointed
        store = Store(path, annotator="bench")
        size = sum(len(t.encode("utf-8")) for t in texts)
        print(f"{len(texts)} articles, {size / 2**20:.1f} MiB of text, stored (folded and "
              f"indexed) in {stored:.1f} s; database {path.stat().st_size / 2**20:.0f} MiB")
        bare = sqlite3.connect(path)

        def like(word: str):
            return [r[0] for r in bare.execute(
                "SELECT id FROM documents WHERE text LIKE ?", (f"%{word}%",))]

        def page(word: str):
            ids = store.find_documents(word, limit=PAGE)
            return (store.count_documents(word, cap=COUNT_CAP + 1),
                    [(d, find_hits(store.text(d), word)) for d in ids])

        def screen(word: str):
            count, hits = page(word)
            return count, [context_line(store.text(d), s, e, LAYOUT, 80)
                           for d, found in hits for s, e in found[:MAX_HITS]]

        kinds = {"like": like, "all": store.find_documents, "page": page, "screen": screen}
        print(f"{'word':>8} {'documents':>9} {'LIKE scan':>10} | {'find_documents':>20} | "
              f"{'search, first page':>20} | {'+ context lines':>20}")
        for word in WORDS:
            times: dict[str, list[float]] = {kind: [] for kind in kinds}
            for round_ in range(args.rounds):
                for kind in (kinds if round_ % 2 else reversed(kinds)):
                    t0 = time.perf_counter()
                    result = kinds[kind](word)
                    times[kind].append(time.perf_counter() - t0)
                    if kind == "all":
                        found = len(result)
            t = {kind: statistics.median(values) for kind, values in times.items()}
            cells = [f"{t[k] * 1e3:8.1f} ms {t[k] / t['like']:6.3f}x" for k in ("all", "page", "screen")]
            print(f"{word:>8} {found:>9} {t['like'] * 1e3:7.1f} ms | " + " | ".join(f"{c:>20}" for c in cells))
        bare.close()
        store.close()
    print("target: <= 0.1x the LIKE scan")


if __name__ == "__main__":
    main()
