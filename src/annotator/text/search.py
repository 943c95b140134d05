"""Find a query in a text the Arabic-aware way, and give the hits as logical offsets.

The text and the query are folded alike (folding.py); a hit is found in the folded text and
mapped back with :meth:`Folded.span`, so ``[start, end)`` is always a range of the original
text, covering the harakat and tatweel on the hit's letters.  Hits do not overlap (the next
search starts after the previous hit), as in an editor's find.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Protocol

from .folding import FoldOptions, Folded, fold
from .tokens import Tokens

__all__ = ["find_hits", "suggested_occurrences", "word_occurrences"]


def _hits_in(folded: Folded, query: str) -> list[tuple[int, int]]:
    hits = []
    # Nothing to find in a query of whitespace alone: a search box opened and given a space
    # would otherwise light up every gap between words.
    i = folded.text.find(query) if query.strip() else -1
    while i >= 0:
        hits.append(folded.span(i, i + len(query)))
        i = folded.text.find(query, i + len(query))
    return hits


def find_hits(text: str, query: str, options: FoldOptions = FoldOptions()) -> list[tuple[int, int]]:
    """Every hit of ``query`` in ``text`` as ``(start, end)`` logical offsets, in order.
    A query that folds to nothing (only harakat, say) or to whitespace alone has no hits."""
    return _hits_in(fold(text, options), fold(query, options).text)


def word_occurrences(text: str, words: str, options: FoldOptions = FoldOptions()) -> list[tuple[int, int]]:
    """The hits of ``words`` that are whole words: each starts where a word token starts and
    ends where one ends (tokens.py), so «الأمم» is found alone but not inside «للأمم»."""
    hits = find_hits(text, words.strip(), options)
    if not hits:
        return []
    tokens = Tokens(text)
    return [(start, end) for start, end in hits if tokens.aligned(start, end) is not None]


class _Extent(Protocol):
    start: int
    end: int
    status: str


def suggested_occurrences(
    text: str, words: str, spans: Iterable[_Extent], options: FoldOptions = FoldOptions()
) -> list[tuple[int, int]]:
    """The whole-word occurrences of ``words`` that are free to suggest: none where a span
    (of any status, so a rejected suggestion is not offered again) has the same extent, and
    none overlapping an accepted span."""
    spans = list(spans)
    taken = {(s.start, s.end) for s in spans}
    accepted = sorted((s.start, s.end) for s in spans if s.status == "accepted")
    starts = [start for start, _ in accepted]
    longest = max((end - start for start, end in accepted), default=0)

    def overlaps(start: int, end: int) -> bool:
        low, high = bisect_left(starts, start - longest), bisect_left(starts, end)
        return any(e > start for _, e in accepted[low:high])

    return [(start, end) for start, end in word_occurrences(text, words, options)
            if (start, end) not in taken and not overlaps(start, end)]
