"""``annotator suggest`` over 10,000 stored articles against spaCy doing the matching alone.

* patterns: :func:`annotator.pipeline.suggest.suggest` with a 300-phrase gazetteer (folded
  NORMs on the project's tokens, EntityRuler, suggestions written to the store) against
  spaCy's ``PhraseMatcher`` alone (``attr="NORM"``, blank Arabic tokenizer) over the same
  texts held in memory.  Target: <= 1.5x.
* model: a small NER pipeline built here (blank Arabic + ``ner`` after a few updates, and an
  ``entity_ruler`` with the gazetteer so it finds ~20 entities an article), saved and loaded
  as ``--model`` would, against ``nlp.pipe`` alone over the same texts.  Target: <= 1.2x
  (the store's share small).

``suggest`` writes through a second process (pipeline/suggestion_writer.py), so its time
depends on a second core being free: on a loaded machine the ratios grow (names gazetteer:
1.40x-1.48x quiet, 1.88x with the load average at 2 on 2 cores).

Both sides run in this process, interleaved, best of ``--rounds``, each round with pipelines
built afresh (so no side finds its tokenizer cache warm); the store is a fresh copy of the same
database for each suggest round (so every round writes its suggestions).

    python bench/suggest_bench.py [--articles 10000] [--rounds 2] [--dir DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import spacy  # noqa: E402
from corpus import seed_text  # noqa: E402
from spacy.matcher import PhraseMatcher  # noqa: E402
from spacy.training import Example  # noqa: E402

from annotator.pipeline.suggest import (  # noqa: E402
    Suggester, load_model, pattern_suggester, project_tokenizer, suggest,
)
from annotator.store import Store  # noqa: E402


def articles(count: int, rng: random.Random) -> list[str]:
    """News-like articles of 2 to 8 seed sentences (about 90 words on average)."""
    sentences = [s for s in re.split(r"(?<=[.!؟])\s+", seed_text()) if s]
    return [f"{i}. " + " ".join(rng.choices(sentences, k=rng.randint(2, 8))) for i in range(count)]


def gazetteer(rng: random.Random, size: int = 300) -> list[dict]:
    """Phrases of one to three seed words (some written with bare alef, so folding is needed)
    and invented ones that never match."""
    words = sorted({w for w in re.findall(r"[\u0621-\u064a]+", seed_text()) if len(w) > 2})
    phrases = set()
    while len(phrases) < size * 2 // 3:
        n = rng.randint(1, 3)
        start = rng.randrange(len(words) - n)
        phrases.add(" ".join(words[start : start + n]).replace("أ", "ا"))
    while len(phrases) < size:
        phrases.add("".join(rng.choices("بتثجحخدذرزسشص", k=7)))
    labels = ["PER", "LOC", "ORG", "MISC"]
    return [{"label": labels[i % 4], "pattern": p} for i, p in enumerate(sorted(phrases))]


#: The seed's names of people, places and organisations, as a gazetteer would list them (some
#: with bare alef, so folding is needed).
SEED_NAMES = {
    "LOC": ["حلب", "دمشق", "بستان القصر", "الكلاسة", "الزبدية", "العامرية", "تل الزرارير",
            "الشيخ سعيد", "الصالحين", "شرق حلب"],
    "PER": ["بشار الاسد", "الاسد", "بان كى مون", "ستيفان دوجاريك"],
    "ORG": ["الامم المتحدة", "المرصد السورى", "الجيش السورى", "وكالة الصحافة الفرنسية",
            "الفصائل المعارضة", "قوات النظام"],
}


def name_gazetteer(rng: random.Random, size: int = 300) -> list[dict]:
    """A gazetteer as used for NER: the seed's names (a few an article) among invented names
    that never match, as most of a real gazetteer's entries do not in any one corpus."""
    patterns = [{"label": label, "pattern": name} for label, names in SEED_NAMES.items() for name in names]
    labels = list(SEED_NAMES)
    while len(patterns) < size:
        name = " ".join("".join(rng.choices("بتثجحخدذرزسشص", k=5)) for _ in range(rng.randint(1, 3)))
        patterns.append({"label": labels[len(patterns) % 3], "pattern": name})
    return patterns


def build_store(path: Path, texts: list[str]) -> list[str]:
    with Store(path, annotator="bench") as store:
        return [store.open_document(text, f"/bench/{i}.txt")[0].id for i, text in enumerate(texts)]


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run_suggest(master: Path, work: Path, ids: list[str], suggester: Suggester) -> tuple[float, int]:
    for suffix in ("", "-wal", "-shm"):
        (work.parent / (work.name + suffix)).unlink(missing_ok=True)
    shutil.copy(master, work)
    with Store(work, annotator=suggester.annotator) as store:
        seconds, summary = timed(
            lambda: suggest(store, ids, suggester, known_labels={"PER", "LOC", "ORG", "MISC"})
        )
    return seconds, summary.added


def bare_phrase_matcher(texts: list[str], patterns: list[dict]) -> tuple[float, int]:
    nlp = spacy.blank("ar")
    matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    for p in patterns:
        matcher.add(p["label"], [nlp.make_doc(p["pattern"])])

    def go() -> int:
        return sum(len(matcher(doc)) for doc in nlp.pipe(texts))

    return timed(go)


def small_model(folder: Path, texts: list[str], patterns: list[dict]) -> Path:
    """A blank Arabic NER trained for a few steps on the gazetteer's matches."""
    teacher = pattern_suggester(patterns, "teacher")
    nlp = project_tokenizer(spacy.blank("ar"), fold_norms=False)  # the tokens suggest gives it
    ner = nlp.add_pipe("ner")
    examples = []
    for text in texts[:100]:
        ents = teacher.spans(teacher.nlp(text))
        for label in {label for _, _, label in ents}:
            ner.add_label(label)
        examples.append(Example.from_dict(nlp.make_doc(text), {"entities": ents}))
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(10):
        nlp.update(examples, sgd=optimizer)
    # A few updates teach the NER little; a ruler after it makes sure the pipeline finds
    # about as many entities as a trained one would, so the store's share is measured.
    nlp.add_pipe("entity_ruler", config={"overwrite_ents": True}).add_patterns(patterns)
    path = folder / "model"
    nlp.to_disk(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--dir", default=None, help="folder for the databases (default: temp)")
    parser.add_argument("--only", choices=("patterns", "model"), default=None)
    parser.add_argument("--gazetteer", choices=("dense", "names"), default="dense",
                        help="dense: one to three seed words, a match every ~6 words (the store's "
                             "worst case); names: the seed's named entities among invented names")
    args = parser.parse_args()
    rng = random.Random(7)
    texts = articles(args.articles, rng)
    patterns = gazetteer(rng) if args.gazetteer == "dense" else name_gazetteer(rng)
    words = sum(len(t.split()) for t in texts)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        master = folder / "master.db"
        ids = build_store(master, texts)
        print(f"{len(texts):,} articles, {words:,} words, {len(patterns)} patterns, {folder}")
        if args.only != "model":
            ours, base, matching = [], [], []
            for _ in range(args.rounds):
                # A fresh pipeline for each side and round, as the baseline's: a warm one would
                # have every word's folded NORM and tokens cached from the round before.
                base.append(bare_phrase_matcher(texts, patterns))
                suggester = pattern_suggester(patterns)
                matching.append(timed(lambda: sum(len(suggester.spans(d)) for d in suggester.nlp.pipe(texts))))
                ours.append(run_suggest(master, folder / "work.db", ids, pattern_suggester(patterns)))
            (b, hits), (m, found), (o, added) = min(base), min(matching), min(ours)
            print(f"patterns: PhraseMatcher alone {b:6.2f} s ({hits:,} matches)   "
                  f"suggest {o:6.2f} s ({added:,} suggestions)   ratio {o / b:.2f}x (target <= 1.5x)")
            print(f"          of which matching (folded NORMs, project tokens, no store) {m:6.2f} s "
                  f"({found:,})   ratio {m / b:.2f}x; the store's share {(o - m) / o:.0%}")
        if args.only != "patterns":
            path = small_model(folder, texts, patterns)
            suggester = Suggester(load_model(str(path)), "model")
            bare = spacy.load(path)
            ours, base = [], []
            for _ in range(args.rounds):
                base.append(timed(lambda: sum(len(d.ents) for d in bare.pipe(texts, batch_size=256))))
                ours.append(run_suggest(master, folder / "work.db", ids, suggester))
            (b, ents), (o, added) = min(base), min(ours)
            print(f"model: nlp.pipe alone {b:6.2f} s ({ents:,} ents)   "
                  f"suggest {o:6.2f} s ({added:,} suggestions)   ratio {o / b:.2f}x (target <= 1.2x)")


if __name__ == "__main__":
    main()
