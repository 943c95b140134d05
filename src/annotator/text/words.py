"""The one definition of a word: UAX #29 word boundaries (through uniseg), tailored for Arabic.

Navigation (the word under the caret, Ctrl+arrows, Ctrl+Shift+arrows, labelling a word with
one key) uses these segments directly; the export tokenizer (:mod:`.tokens`) is a compiled
regular expression that gives the same segments ~100 times faster (bench/word_segmentation.py)
and is held to them by a property test.  So a word labelled with one key is always whole
tokens in every export format.

The tailoring (the rules themselves are documented in :mod:`.tokens`) is done with uniseg's
two hooks, a Word_Break property function and a post-pass over the break opportunities:

* every whitespace character is ``Newline`` (a boundary on both sides, never in a word);
* decimal digits of any script are ``Numeric``, and only ``. , ٫ ٬`` are ``MidNum`` (joining
  digits: ``2.0``, ``1,250``, ``٣٫٥``, ``١٬٢٥٠``); U+066B is ``Numeric`` in Unicode, which
  would make a lone ``٫`` a word;
* every other punctuation or symbol character is ``Other``: one segment per character, so
  ``، ؛ ؟ « » % ٪ '`` are never inside a word (Unicode joins ``can't``, ``a.b``, ``1،2``);
* combining marks are ``Extend`` and format characters (ZWNJ, ZWJ, bidi marks) ``Format``, so
  harakat and joiners stay on the character before them (WB4);
* everything else, tatweel included, is ``ALetter``: a clitic is not split from its word;
* digits and letters are split apart (Unicode joins them: ``G20``, ``و2012``), so a number
  glued to a proclitic can be labelled on its own.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

from uniseg.wordbreak import WordBreak as WB
from uniseg.wordbreak import word_boundaries

from .tokens import NUMBER_SEPARATORS

__all__ = ["segments", "word_at", "words_after", "words_before"]

_WORDLIKE = (WB.ALETTER, WB.NUMERIC)


@lru_cache(maxsize=4096)
def word_break(char: str) -> WB:
    """The tailored Word_Break property of one character."""
    if char.isspace():
        return WB.NEWLINE
    if char.isdecimal():
        return WB.NUMERIC
    if char in NUMBER_SEPARATORS:
        return WB.MIDNUM
    category = unicodedata.category(char)
    if category[0] in "PS":
        return WB.OTHER
    if category[0] == "M":
        return WB.EXTEND
    if category == "Cf":
        return WB.FORMAT
    return WB.ALETTER


def _split_digits_from_letters(text: str, breakables: Iterable[int]) -> list[int]:
    """Undo WB9/WB10: break between a letter and a digit (marks between them stay on the
    first), the one rule of UAX #29 the tailored properties cannot express."""
    out = list(breakables)
    previous = None
    for index, char in enumerate(text):
        kind = word_break(char)
        if kind in (WB.EXTEND, WB.FORMAT):
            continue
        if kind in _WORDLIKE and previous in _WORDLIKE and kind != previous:
            out[index] = 1
        previous = kind
    return out


def segments(text: str) -> list[tuple[int, int]]:
    """Every segment of ``text`` that is not whitespace, as ``(start, end)``: the export
    tokens (:func:`.tokens.tokenize` returns the same, faster)."""
    out, start = [], 0
    for end in word_boundaries(text, property=word_break, tailor=_split_digits_from_letters):
        if end > start and not text[start].isspace():  # (with a tailor, 0 comes first)
            out.append((start, end))
        start = end
    return out


def _is_word(text: str, start: int) -> bool:
    """A segment is a word if it starts with a letter or digit (not punctuation, not a mark
    left alone after a space)."""
    return word_break(text[start]) in _WORDLIKE


def _run_around(text: str, offset: int) -> tuple[int, int]:
    """The run of non-space characters around ``offset``: whitespace is always a boundary,
    so a run segments alone and the caret never segments a whole paragraph."""
    start = offset
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    end = offset
    while end < len(text) and not text[end].isspace():
        end += 1
    return start, end


def _words_in_run(text: str, start: int, end: int) -> list[tuple[int, int]]:
    return [(start + s, start + e) for s, e in segments(text[start:end]) if _is_word(text, start + s)]


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """``[start, end)`` of the word holding ``offset``, or None if it is not in a word."""
    if not 0 <= offset < len(text) or text[offset].isspace():
        return None
    for start, end in _words_in_run(text, *_run_around(text, offset)):
        if start <= offset < end:
            return start, end
    return None


def words_after(text: str, position: int) -> Iterator[tuple[int, int]]:
    """The words that end after ``position``, in order (the first may hold it)."""
    position = max(0, position)
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        start, end = _run_around(text, position)
        for word in _words_in_run(text, start, end):
            if word[1] > position:
                yield word
        position = end


def words_before(text: str, position: int) -> Iterator[tuple[int, int]]:
    """The words that start before ``position``, nearest first."""
    position = min(position, len(text))
    while position > 0:
        if text[position - 1].isspace():
            position -= 1
            continue
        start, end = _run_around(text, position - 1)
        for word in reversed(_words_in_run(text, start, end)):
            if word[0] < position:
                yield word
        position = start
