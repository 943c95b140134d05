"""Splitting word tokens where a span edge falls inside one (``export --split-tokens``).

The tokeniser does not split clitics, so ``وكالة`` labelled inside ``لوكالة`` starts inside
a token and BIO or a spaCy Doc cannot hold it.  Cutting the token at the span's edges
(``ل`` + ``وكالة``) makes every span whole tokens -- how Arabic clitic-level NER data is
made.  The pieces abut, so :func:`annotator.text.tokens.spacy_tokens` gives the first ones
``ws=False`` and the text still rebuilds exactly.  Offsets are never moved: only token
boundaries are added, at offsets the spans already have.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

__all__ = ["split_at_edges"]


def split_at_edges(
    words: list[tuple[int, int]], spans: Iterable[tuple[int, int, str, str]]
) -> tuple[list[tuple[int, int]], int]:
    """``words`` cut at every span edge strictly inside one, and how many words were cut."""
    cuts = sorted({offset for start, end, _, _ in spans for offset in (start, end)})
    if not cuts:
        return words, 0
    out: list[tuple[int, int]] = []
    split = 0
    for start, end in words:
        inside = cuts[bisect_right(cuts, start) : bisect_left(cuts, end)]
        if not inside:
            out.append((start, end))
            continue
        split += 1
        for cut in inside:
            out.append((start, cut))
            start = cut
        out.append((start, end))
    return out, split
