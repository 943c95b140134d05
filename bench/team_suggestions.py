"""What the app reads to show one annotator their spans and open suggestions, against the
one query it read before suggestions were per annotator.

Each action in the app reloads the document's spans.  Before, that was ``Store.spans(doc)``
(accepted and suggested rows, everybody's); now it is the accepted rows plus
``Store.suggestions(doc)``: the suggestions this annotator has not decided and that none of
their accepted spans duplicates or overlaps.  One document of --words words with a
suggestion on every word from two sources, a team of five who each decided a fifth of them
(half accepted, half rejected); both reads on the same file in the same run.  Budget: the
new read within 2x the old.

    python bench/team_suggestions.py [--words 5000]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_of  # noqa: E402

from annotator.store import Store  # noqa: E402

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_fbaffb694397fea6.txt"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=5000)
    args = parser.parse_args()
    seed = SEED.read_text(encoding="utf-8")
    text = seed
    while len(re.findall(r"\w+", text)) < args.words:
        text += "\n" + seed
    words = [m.span() for m in re.finditer(r"\w+", text)][: args.words]
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "a.db"
        team = [Store(db, annotator=f"annotator{i}") for i in range(5)]
        doc = team[0].open_document(text, "/bench.txt")[0].id
        team[0].add_suggestions([(doc, [(s, e, "LOC") for s, e in words])], annotator="patterns")
        team[0].add_suggestions([(doc, [(s, e, "PER") for s, e in words[::3]])], annotator="model")
        suggestions = team[0].spans(doc, ("suggested",))
        for i, store in enumerate(team):
            mine = [s for s in suggestions[i::5] if s.annotator == "patterns"]
            for n, s in enumerate(mine):
                store.decide_suggestion(s.id, "accepted" if n % 2 else "rejected")
        me = team[0]

        def old() -> int:
            return len(me.spans(doc))

        def new() -> int:
            return len(me.spans(doc, ("accepted",))) + len(me.suggestions(doc))

        rows = len(me.spans(doc))
        t_old, t_new = best_of(7, old), best_of(7, new)
        print(f"{args.words} words, {len(suggestions)} suggestions, {rows} spans read before;"
              f" {len(me.suggestions(doc))} open to annotator0")
        print(f"before: Store.spans(doc)                       {t_old * 1000:8.1f} ms")
        print(f"now:    spans(accepted) + suggestions(doc)     {t_new * 1000:8.1f} ms"
              f"   ratio {t_new / t_old:.2f}x (budget 2x)")
        for store in team:
            store.close()


if __name__ == "__main__":
    main()
