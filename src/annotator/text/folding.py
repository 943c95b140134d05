"""Arabic-aware folding for search and pattern matching, with a map back to the text.

Searching «الامم» must find «الأمم», «الأُمَم» and «الامـم»: harakat and tatweel are dropped,
the alef forms أ إ آ ٱ become ا, final ى becomes ي, and (optionally) ة becomes ه.  Latin letters
are lower-cased where that keeps one character.  A run of whitespace (spaces, a line break,
a tab, a no-break space) is one space, so «الأمم المتحدة» finds the two words however they
are set apart.

A hit in the folded text is never stored: :class:`Folded` maps it back to logical offsets of
the original text, ``[start_of(i), end_of(j))``, which covers the harakat and tatweel that sit
on the hit's letters, and the whole of a whitespace run that a hit's space stands for.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

__all__ = ["FoldOptions", "Folded", "fold", "fold_query"]

# Dropped: Arabic harakat and Quranic marks (U+064B-U+065F), superscript alef (U+0670),
# small high marks (U+06D6-U+06DC, U+06DF-U+06E4, U+06E7-U+06E8, U+06EA-U+06ED), tatweel.
_DROPPED = frozenset(
    [chr(c) for c in range(0x064B, 0x0660)]
    + ["\u0670", "\u0640"]
    + [chr(c) for c in (*range(0x06D6, 0x06DD), *range(0x06DF, 0x06E5), 0x06E7, 0x06E8,
                        *range(0x06EA, 0x06EE))]
)
_ALEF = {c: "\u0627" for c in "\u0623\u0625\u0622\u0671"}  # أ إ آ ٱ -> ا
_YA = {"\u0649": "\u064a"}  # ى -> ي
_TA_MARBUTA = {"\u0629": "\u0647"}  # ة -> ه


@dataclass(frozen=True, slots=True)
class FoldOptions:
    alef: bool = True  # أ إ آ ٱ -> ا
    ya: bool = True  # ى -> ي
    ta_marbuta: bool = False  # ة -> ه


def _table(options: FoldOptions) -> dict[str, str]:
    table: dict[str, str] = {}
    if options.alef:
        table.update(_ALEF)
    if options.ya:
        table.update(_YA)
    if options.ta_marbuta:
        table.update(_TA_MARBUTA)
    return table


class _Lower(dict):
    """A ``str.translate`` table that lower-cases one character at a time where that keeps
    one character (the slow path, for the text that ``str.lower`` would treat otherwise)."""

    def __missing__(self, code: int) -> int | str:
        lower = chr(code).lower()
        value = self[code] = lower if len(lower) == 1 else code
        return value


_LOWER = _Lower()
_DROPPED_RUN = re.compile("[" + re.escape("".join(sorted(_DROPPED))) + "]+")
_SPACE_RUN = re.compile(r"\s+")
# Every character but the plain space that str.isspace() (and so re's \s, and str.split())
# calls whitespace.  Whitespace runs are found by looking for each of these, and for two plain
# spaces, with str.find: a pattern that matched them all would stop at every space of the
# text, and even a character class (no spaces) took as long as the rest of the folding.
_OTHER_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
                 "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def _fold_kept(text: str, options: FoldOptions) -> str:
    """Fold text that has no dropped characters left: every step runs in C."""
    for char, folded in _table(options).items():
        if char in text:
            text = text.replace(char, folded)
    # str.lower() lower-cases a whole string as the characters one by one, except İ (two
    # characters) and Σ (ς at the end of a word): texts with them take the slow path.
    if "\u0130" in text or "\u03a3" in text:
        return text.translate(_LOWER)
    return text.lower()


@dataclass(frozen=True, slots=True)
class Folded:
    """The folded text and the map back: the kept characters come in runs, each a stretch of
    the original without dropped characters; run ``k`` starts at folded offset
    ``runs[k]`` and original offset ``origins[k]`` (a few numbers, not one per character)."""

    text: str
    runs: tuple[int, ...]
    origins: tuple[int, ...]
    length: int  # the original text's length

    @property
    def origin(self) -> tuple[int, ...]:
        """``origin[i]``: the original offset of folded character ``i`` (for tests)."""
        return tuple(self.start_of(i) for i in range(len(self.text)))

    def _origin(self, i: int) -> int:
        if i >= len(self.text):
            return self.length
        k = bisect_right(self.runs, i) - 1
        return self.origins[k] + i - self.runs[k]

    def start_of(self, i: int) -> int:
        """The original offset where a hit starting at folded offset ``i`` starts."""
        return self._origin(i)

    def end_of(self, j: int) -> int:
        """The original offset where a hit ending at folded offset ``j`` (exclusive) ends:
        just before the next kept character, so the last letter's harakat are inside."""
        return self._origin(j)

    def span(self, i: int, j: int) -> tuple[int, int]:
        return self.start_of(i), self.end_of(j)


def fold(text: str, options: FoldOptions = FoldOptions()) -> Folded:
    runs, origins, pieces = [0], [0], []
    for match in _DROPPED_RUN.finditer(text):  # each dropped run starts a new kept run
        pieces.append(text[origins[-1]:match.start()])
        runs.append(runs[-1] + len(pieces[-1]))
        origins.append(match.end())
    kept = "".join([*pieces, text[origins[-1]:]]) if pieces else text
    folded = Folded(kept, tuple(runs), tuple(origins), len(text))
    spaces = _odd_spaces(kept)
    if spaces:
        folded = _one_space_each(folded, spaces)
    return Folded(_fold_kept(folded.text, options), folded.runs, folded.origins, len(text))


def _odd_spaces(kept: str) -> list[tuple[int, int]]:
    """``[start, end)`` of each whitespace run of ``kept`` other than a single plain space,
    in order."""
    found = {}
    for odd in ("  ", *(char for char in _OTHER_SPACES if char in kept)):
        start = kept.find(odd)
        while start >= 0:
            end = start + len(odd)
            while start and kept[start - 1].isspace():  # widened to the whole run
                start -= 1
            while end < len(kept) and kept[end].isspace():
                end += 1
            found[start] = end
            start = kept.find(odd, end)
    return sorted(found.items())


def _one_space_each(dropped: Folded, spaces: list[tuple[int, int]]) -> Folded:
    """``dropped`` (the text without its dropped characters, and the map back) with each of
    its whitespace runs ``spaces`` made one space.  The space maps to the run's first
    character; the character after it to the one after the run, so a hit ending on the space
    covers the run (and the harakat on it)."""
    # Kept runs start where a dropped run was and after each whitespace run, except inside
    # one: the space stands for all of it.
    starts = sorted(set(dropped.runs).union(end for _, end in spaces))
    runs, origins = [], []
    removed = inside = 0  # characters taken out before the start; spaces[inside] is next
    for start in starts:
        while inside < len(spaces) and spaces[inside][1] <= start:
            removed += spaces[inside][1] - spaces[inside][0] - 1
            inside += 1
        if inside < len(spaces) and spaces[inside][0] < start:
            continue
        runs.append(start - removed)
        origins.append(dropped.start_of(start))
    pieces, after = [], 0
    for start, end in spaces:
        pieces += (dropped.text[after:start], " ")
        after = end
    pieces.append(dropped.text[after:])
    return Folded("".join(pieces), tuple(runs), tuple(origins), dropped.length)


def fold_query(query: str, options: FoldOptions = FoldOptions()) -> str:
    """A query (or any text) folded the same way, without the map back."""
    return _fold_kept(_SPACE_RUN.sub(" ", _DROPPED_RUN.sub("", query)), options)
