"""(a) Engine layout time against the naive get_display(reshape(line)), same lines, same run.

The naive pipeline is what most Arabic terminal tools do; it builds no map, mirrors nothing
and deletes harakat.  The engine shapes, resolves bidi levels, wraps, reorders each line and
builds the two-way cell <-> offset map.  Target: at most 2x the naive time.

    python bench/layout_vs_naive.py [--width 100] [--repeat 3]
"""

from __future__ import annotations

import argparse

from arabic_reshaper import reshape
from bidi import get_display
from corpus import big_text, seed_text
from timing import best_of

from annotator.text.document import Document
from annotator.text.layout import layout_paragraph


def paragraphs(text: str) -> list[tuple[int, str]]:
    document = Document(text)
    return [(start, text[start : start + length])
            for start, length in zip(document.starts, document.lengths)]


def naive(items: list[tuple[int, str]]) -> None:
    for _, paragraph in items:
        get_display(reshape(paragraph))


def engine(items: list[tuple[int, str]], width: int) -> None:
    for start, paragraph in items:
        layout_paragraph(paragraph, start, width)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    for name, text, repeat in [("seed", seed_text(), args.repeat * 10),
                               ("10 MB", big_text(), args.repeat)]:
        items = paragraphs(text)
        t_naive = best_of(repeat, naive, items)
        t_engine = best_of(repeat, engine, items, args.width)
        print(f"{name:6} {len(text):>9,} chars {len(items):>6,} paragraphs  "
              f"naive {t_naive * 1000:9.1f} ms  engine {t_engine * 1000:9.1f} ms  "
              f"ratio {t_engine / t_naive:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
