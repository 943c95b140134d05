"""The tokeniser behind token offsets in exports (JSONL ``tokens``, CoNLL rows, spaCy Docs).

Spans are stored as code-point offsets and never depend on tokens; tokens only
matter when an export needs them.  A token is what the caret calls a word: the
segments of UAX #29 word boundaries, tailored in :mod:`.words` (which navigation
uses) and produced here by one regular expression, ~100 times faster than uniseg
(bench/word_segmentation.py) and held to the same segments by tests/test_words.py.
The rules, chosen for Arabic news text and deliberately simple (no morphological
segmentation):

* **Whitespace** (``str.isspace``: spaces, tabs, newlines, NBSP, ...) separates
  tokens and is never part of a token.
* **Digits**: a run of decimal digits of any script (ASCII ``0-9``, Arabic-Indic
  ``٠-٩``, Extended ``۰-۹``, ...) is one token.  Digits joined by a single ``.``
  ``,`` ``٫`` (Arabic decimal separator) or ``٬`` (Arabic thousands separator)
  stay one token (``2.0``, ``1,250``, ``٣٫٥``, ``١٬٢٥٠``); no other character joins
  digits (``1،2`` is three tokens).  Digits next to letters are split off:
  ``G20`` -> ``G`` ``20``; ``90%`` -> ``90`` ``%``.
* **Punctuation and symbols** (Unicode general categories ``P*`` and ``S*``)
  are one token per character: ``.`` ``،`` (Arabic comma) ``؛`` (Arabic
  semicolon) ``؟`` (Arabic question mark) ``«`` ``»`` ``(`` ``)`` ``%`` ``٪``
  ``$`` ... so ``«الأممالمتحدة»`` is three tokens, ``..`` two and ``a.b`` three.
* **Words**: every other run of characters is one token.  Harakat and other
  combining marks (``M*``), tatweel (``ـ``, a letter modifier), ZWNJ/ZWJ and
  other format characters (``Cf``) stay inside the word they are written in; a
  mark or format character written after a digit or punctuation character stays
  on that token, and one written after a space is a token of its own.  Clitics
  are *not* split: ``لوكالة``, ``وبان``, ``للأمم`` are single tokens, so a span
  that leaves out a proclitic (``وكالة`` inside ``لوكالة``) does not fall on token
  boundaries.  Exports report such spans.

Character classes come from Python's :mod:`unicodedata` (its Unicode version),
computed once, on first use.

:func:`tokenize` returns the word tokens as ``(start, end)`` code-point ranges.
:func:`spacy_tokens` adds spaCy's whitespace convention so that joining the
tokens gives back the text exactly (see there).  Pure functions, no UI imports.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import cache

__all__ = [
    "tokenize",
    "spacy_tokens",
    "affix_pattern",
    "is_aligned",
    "Tokens",
]

#: Characters that may join two digit runs into one number token.
NUMBER_SEPARATORS = ".,\u066b\u066c"


_ASTRAL = "\\U00010000-\\U0010ffff"


def _ranges(predicate, astral: bool) -> str:
    """A regex character-class body: every BMP (or, with ``astral``, every astral)
    code point whose general category satisfies ``predicate``."""
    # Planes 1-2 hold every astral P*/S*/M* character; planes 3-13 are letters and
    # unassigned; plane 14 has tags (Cf) and variation selectors (Mn).  (Only the
    # P*/S* and M* classes are built; everything else is their complement.)
    if astral:
        points = [*range(0x10000, 0x30000), *range(0xE0000, 0xE1000)]
    else:
        points = range(0x10000)
    parts: list[str] = []
    start = previous = None
    for cp in points:
        if predicate(unicodedata.category(chr(cp))):
            if start is not None and cp == previous + 1:
                previous = cp
                continue
            if start is not None:
                parts.append(_span(start, previous))
            start = previous = cp
    if start is not None:
        parts.append(_span(start, previous))
    return "".join(parts)


def _span(first: int, last: int) -> str:
    return f"\\U{first:08x}" if first == last else f"\\U{first:08x}-\\U{last:08x}"


@cache
def _pieces(astral: bool) -> tuple[str, str, str, str]:
    """Regex sources shared by :func:`tokenize` and :func:`affix_pattern`: one number, one
    punctuation mark or symbol (with the marks after it), and the class bodies of marks and
    of punctuation and symbols."""
    punct = _ranges(lambda cat: cat[0] in "PS", astral=False)
    marks = _ranges(lambda cat: cat[0] == "M" or cat == "Cf", astral=False)  # marks, formats
    seps = re.escape(NUMBER_SEPARATORS)
    if astral:
        punct += _ranges(lambda cat: cat[0] in "PS", astral=True)
        marks += _ranges(lambda cat: cat[0] == "M" or cat == "Cf", astral=True)
    attached = f"[{marks}]*"  # marks and formats stay on the character before them
    number = rf"\d{attached}(?:(?:[{seps}]{attached})?\d{attached})*"
    return number, rf"[{punct}]{attached}", marks, punct


def _pattern(astral: bool = True) -> re.Pattern[str]:
    # The segments of :mod:`.words` (UAX #29, tailored) as one regular expression, held to
    # them by tests/test_words.py.  A character class that stays inside the BMP compiles to a
    # bitmap that `re` tests in constant time; astral ranges are searched one by one.  So text
    # without astral characters (nearly all Arabic text) uses the BMP-only pattern, and text
    # with them (emoji, historic scripts, mathematical letters) the full one: same tokens.
    number, symbol, marks, punct = _pieces(astral)
    letter = f"[^\\s\\d{punct}{marks}]"
    return re.compile(
        rf"{number}"
        rf"|{symbol}"  # one punctuation mark or symbol
        rf"|[{marks}]+"  # marks after a space or at the start: a segment of their own
        rf"|{letter}[^\s\d{punct}]*"  # a word: letters and the marks inside it
    )


_HAS_ASTRAL = re.compile(f"[{_ASTRAL}]")


@cache
def affix_pattern() -> str:
    """The regex source of ONE number or punctuation/symbol token as :func:`tokenize` finds
    them (with their trailing marks).  Every other run of non-space characters is a word, so
    a tokenizer that splits these off a whitespace-delimited chunk -- spaCy's prefix, suffix
    and infix rules -- gives the same tokens (with :func:`leading_marks_pattern` as a prefix
    too)."""
    number, symbol, _, _ = _pieces(astral=True)
    return f"{number}|{symbol}"


def leading_marks_pattern() -> str:
    """Marks at the start of a chunk (after a space, a number or a symbol): a token of their
    own, as :func:`tokenize` makes them -- a prefix, never an infix (inside a word, marks are
    the word's)."""
    _, _, marks, _ = _pieces(astral=True)
    return f"[{marks}]+"


def tokenize(text: str) -> list[tuple[int, int]]:
    """The word tokens of ``text`` as ``(start, end)`` code-point ranges, in order: the same
    as :func:`annotator.text.words.segments`, faster."""
    pattern = _pattern(_HAS_ASTRAL.search(text) is not None)
    return [m.span() for m in pattern.finditer(text)]


def spacy_tokens(text: str, words: list[tuple[int, int]] | None = None) -> list[tuple[int, int, bool]]:
    """Tokens as spaCy (and Prodigy) lay them out: ``(start, end, ws)`` triples.

    ``ws`` is True when the token is followed by exactly one ``" "`` that belongs to it
    (spaCy's ``whitespace_``).  Any other whitespace -- a newline, a tab, a second
    space -- becomes a whitespace token of its own (``ws`` False), as in spaCy.  So
    ``"".join(text[s:e] + (" " if ws else "") for s, e, ws in result) == text``,
    and ``spacy.tokens.Doc(vocab, words=..., spaces=...)`` rebuilds ``text`` exactly
    with the word tokens of :func:`tokenize` among its tokens.
    """
    if words is None:
        words = tokenize(text)
    out: list[tuple[int, int, bool]] = []
    position = 0
    for index, (start, end) in enumerate(words):
        if start > position:  # whitespace before the first word
            out.append((position, start, False))
        next_start = words[index + 1][0] if index + 1 < len(words) else len(text)
        if end < next_start and text[end] == " ":
            out.append((start, end, True))
            gap_start = end + 1
        else:
            out.append((start, end, False))
            gap_start = end
        if gap_start < next_start:
            out.append((gap_start, next_start, False))
        position = next_start
    if not words and text:
        out.append((0, len(text), False))
    return out


class Tokens:
    """Token lookups for one text: alignment and the tokens a span covers."""

    __slots__ = ("text", "words", "starts", "ends", "_word_start", "_word_end")

    def __init__(self, text: str, words: list[tuple[int, int]] | None = None) -> None:
        self.text = text
        self.words = tokenize(text) if words is None else words
        self.starts = [s for s, _ in self.words]
        self.ends = [e for _, e in self.words]
        self._word_start = {s: i for i, s in enumerate(self.starts)}
        self._word_end = {e: i for i, e in enumerate(self.ends)}

    def aligned(self, start: int, end: int) -> tuple[int, int] | None:
        """``(first, last)`` word-token indices (inclusive) if the span starts where a
        word token starts and ends where one ends, else None."""
        first = self._word_start.get(start)
        last = self._word_end.get(end)
        if first is None or last is None or last < first:
            return None
        return first, last

    def covering(self, start: int, end: int) -> tuple[int, int] | None:
        """``(first, last)`` word-token indices (inclusive) of every word token that
        overlaps ``[start, end)``: the span "expanded" to token boundaries.  None if
        the span covers only whitespace."""
        first = bisect_right(self.ends, start)
        last = bisect_left(self.starts, end) - 1
        if first > last:
            return None
        return first, last


def is_aligned(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` begins and ends on word-token boundaries."""
    return Tokens(text).aligned(start, end) is not None
