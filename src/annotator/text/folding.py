"""Arabic-aware folding for search and pattern matching, with a map back to the text.

Searching «الامم» must find «الأمم», «الأُمَم» and «الامـم»: harakat and tatweel are dropped,
the alef forms أ إ آ ٱ become ا, final ى becomes ي, and (optionally) ة becomes ه.  Latin letters
are lower-cased where that keeps one character.

A hit in the folded text is never stored: :class:`Folded` maps it back to logical offsets of
the original text, ``[start_of(i), end_of(j))``, which covers the harakat and tatweel that sit
on the hit's letters.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class Folded:
    """The folded text and, for each folded character, its offset in the original."""

    text: str
    origin: tuple[int, ...]  # origin[i] = offset in the original of folded char i
    length: int  # the original text's length

    def start_of(self, i: int) -> int:
        """The original offset where a hit starting at folded offset ``i`` starts."""
        return self.origin[i] if i < len(self.origin) else self.length

    def end_of(self, j: int) -> int:
        """The original offset where a hit ending at folded offset ``j`` (exclusive) ends:
        just before the next kept character, so the last letter's harakat are inside."""
        return self.origin[j] if j < len(self.origin) else self.length

    def span(self, i: int, j: int) -> tuple[int, int]:
        return self.start_of(i), self.end_of(j)


def fold(text: str, options: FoldOptions = FoldOptions()) -> Folded:
    table = _table(options)
    chars: list[str] = []
    origin: list[int] = []
    for offset, char in enumerate(text):
        if char in _DROPPED:
            continue
        char = table.get(char, char)
        lower = char.lower()
        chars.append(lower if len(lower) == 1 else char)
        origin.append(offset)
    return Folded("".join(chars), tuple(origin), len(text))


def fold_query(query: str, options: FoldOptions = FoldOptions()) -> str:
    """A query folded the same way (its map is not needed)."""
    return fold(query, options).text
