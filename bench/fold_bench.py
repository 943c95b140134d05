"""Search folding with whitespace runs made one space, against the folding before it.

``fold()`` drops harakat and tatweel (one regular-expression scan) and, since whitespace
folds too, finds the whitespace runs that are not one plain space (two more scans) and
rebuilds the text and its map.  The baseline is the folding without the whitespace step, as
it was: the same drop scan, join and lower-casing.  Both fold the generated 10 MB document
(bench/corpus.py: paragraphs one line each) and 100 articles cut from the seed with a line
break in each, in one process, best of ``--repeat``.

    python bench/fold_bench.py [--repeat 5]
"""

from __future__ import annotations

import argparse

from corpus import big_text, seed_text
from timing import best_of

from annotator.text.folding import _DROPPED_RUN, FoldOptions, _fold_kept, fold


def fold_without_whitespace(text: str) -> str:
    """The baseline: fold() before whitespace folded (no map is built after the join)."""
    runs, origins, pieces = [0], [0], []
    for match in _DROPPED_RUN.finditer(text):
        pieces.append(text[origins[-1]:match.start()])
        runs.append(runs[-1] + len(pieces[-1]))
        origins.append(match.end())
    kept = "".join([*pieces, text[origins[-1]:]]) if pieces else text
    return _fold_kept(kept, FoldOptions())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    seed = seed_text()
    articles = [seed[i:] + "\n" + seed[:i] for i in range(0, 3000, 30)]
    for name, texts in (("10 MB document", [big_text()]), ("100 articles", articles)):
        before = best_of(repeat, lambda: [fold_without_whitespace(t) for t in texts])
        now = best_of(repeat, lambda: [fold(t) for t in texts])
        print(f"{name}: without whitespace {before * 1000:.1f} ms, fold() {now * 1000:.1f} ms, "
              f"{now / before:.2f}x")


if __name__ == "__main__":
    main()
