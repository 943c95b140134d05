"""Find a query in a text the Arabic-aware way, and give the hits as logical offsets.

The text and the query are folded alike (folding.py); a hit is found in the folded text and
mapped back with :meth:`Folded.span`, so ``[start, end)`` is always a range of the original
text, covering the harakat and tatweel on the hit's letters.  Hits do not overlap (the next
search starts after the previous hit), as in an editor's find.
"""

from __future__ import annotations

from .folding import FoldOptions, Folded, fold
from .tokens import Tokens

__all__ = ["find_hits", "word_occurrences"]


def _hits_in(folded: Folded, query: str) -> list[tuple[int, int]]:
    hits = []
    i = folded.text.find(query) if query else -1
    while i >= 0:
        hits.append(folded.span(i, i + len(query)))
        i = folded.text.find(query, i + len(query))
    return hits


def find_hits(text: str, query: str, options: FoldOptions = FoldOptions()) -> list[tuple[int, int]]:
    """Every hit of ``query`` in ``text`` as ``(start, end)`` logical offsets, in order.
    A query that folds to nothing (only harakat, say) has no hits."""
    return _hits_in(fold(text, options), fold(query, options).text)


def word_occurrences(text: str, words: str, options: FoldOptions = FoldOptions()) -> list[tuple[int, int]]:
    """The hits of ``words`` that are whole words: each starts where a word token starts and
    ends where one ends (tokens.py), so «الأمم» is found alone but not inside «للأمم»."""
    hits = find_hits(text, words.strip(), options)
    if not hits:
        return []
    tokens = Tokens(text)
    return [(start, end) for start, end in hits if tokens.aligned(start, end) is not None]
