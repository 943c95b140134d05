"""UAX #29 word segmentation through uniseg against the export tokenizer's regex, same run.

Both give the same segments (tests/test_words.py); this measures whether export could use
uniseg directly.  Also times ``word_at`` (what a caret move or a label key costs), which
segments only the run of non-space characters around the caret.

    python bench/word_segmentation.py [--repeat 3] [--size-mb 10]
"""

from __future__ import annotations

import argparse
import random

from corpus import big_text, seed_text
from timing import best_of

from annotator.text.tokens import tokenize
from annotator.text.words import segments, word_at


def word_at_each(text: str, offsets: list[int]) -> None:
    for offset in offsets:
        word_at(text, offset)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--size-mb", type=float, default=10)
    args = parser.parse_args()
    big = big_text(int(args.size_mb * 1024 * 1024))
    tokenize("warm up the compiled pattern")
    for name, text, repeat in [("seed", seed_text(), args.repeat * 10), ("big", big, 1)]:
        t_regex = best_of(repeat, tokenize, text)
        t_uniseg = best_of(repeat, segments, text)
        print(f"{name:5} {len(text):>10,} chars  regex {t_regex * 1000:10.1f} ms  "
              f"uniseg {t_uniseg * 1000:10.1f} ms  ratio {t_uniseg / t_regex:6.1f}x")
    offsets = random.Random(3).sample(range(len(big)), 10_000)
    t_word = best_of(args.repeat, word_at_each, big, offsets) / len(offsets)
    print(f"word_at in the big text: {t_word * 1e6:.1f} us per call (10,000 random offsets)")


if __name__ == "__main__":
    main()
