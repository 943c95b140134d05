"""Editing one line of text (a query box): value, caret and selection as logical offsets.

Pure values, no terminal: every edit returns a new ``LineEdit``.  The caret is an insertion
point ``0 <= caret <= len(value)``; moves go between *stops* (the starts of the glyph
clusters, and the end), which the caller takes from the line's layout (``InputRow.stops``),
so a letter with its harakat or a lam-alef is one step, as in the document view.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .words import words_after, words_before

_LINE_BREAKS = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """Pasted text as one line: a query box holds one paragraph, and a phrase copied across
    a line break of the article still searches as that phrase (the search folds spaces)."""
    return _LINE_BREAKS.sub(" ", text)


@dataclass(frozen=True, slots=True)
class LineEdit:
    value: str = ""
    caret: int = 0
    anchor: int | None = None  # the selection's fixed end, if there is a selection

    @property
    def selection(self) -> tuple[int, int] | None:
        """The selected range ``[start, end)``, or None (nothing, or an empty selection)."""
        if self.anchor is None or self.anchor == self.caret:
            return None
        return min(self.anchor, self.caret), max(self.anchor, self.caret)

    def _replace(self, start: int, end: int, text: str) -> LineEdit:
        value = self.value[:start] + text + self.value[end:]
        return LineEdit(value, start + len(text))

    def insert(self, text: str) -> LineEdit:
        """Type or paste ``text`` at the caret, over the selection if there is one."""
        start, end = self.selection or (self.caret, self.caret)
        return self._replace(start, end, one_line(text))

    def delete_back(self) -> LineEdit:
        """Backspace: the selection, else one code point -- the last harakah typed goes
        alone, as Arabic keyboards expect, and never its letter with it."""
        if self.selection:
            return self._replace(*self.selection, "")
        return self._replace(self.caret - 1, self.caret, "") if self.caret else self

    def delete_forward(self, stops: Sequence[int]) -> LineEdit:
        """Delete: the selection, else the whole cluster after the caret."""
        if self.selection:
            return self._replace(*self.selection, "")
        return self._replace(self.caret, next_stop(stops, self.caret), "")

    def delete_to_start(self) -> LineEdit:
        return self._replace(0, self.caret, "")

    def delete_to_end(self) -> LineEdit:
        return self._replace(self.caret, len(self.value), "")

    def delete_word_back(self) -> LineEdit:
        if self.selection:
            return self._replace(*self.selection, "")
        return self._replace(word_back(self.value, self.caret), self.caret, "")

    def move(self, caret: int, extend: bool = False) -> LineEdit:
        """The caret to ``caret``; ``extend`` keeps (or starts) the selection."""
        caret = min(max(0, caret), len(self.value))
        anchor = (self.caret if self.anchor is None else self.anchor) if extend else None
        return replace(self, caret=caret, anchor=anchor)

    def select_all(self) -> LineEdit:
        return LineEdit(self.value, len(self.value), 0)


def next_stop(stops: Sequence[int], caret: int) -> int:
    """The stop after ``caret`` in reading order (the last stop is the value's end)."""
    k = bisect_right(stops, caret)
    return stops[k] if k < len(stops) else caret


def previous_stop(stops: Sequence[int], caret: int) -> int:
    k = bisect_left(stops, caret)
    return stops[k - 1] if k > 0 else caret


def word_back(value: str, caret: int) -> int:
    """Start of the caret's word if inside one, else of the word before it (or 0)."""
    word = next(words_before(value, caret), None)
    return word[0] if word else 0


def word_forward(value: str, caret: int) -> int:
    """Start of the next word after the caret (or the value's end), as the document view's
    Ctrl+arrow goes."""
    word = next((w for w in words_after(value, caret) if w[0] > caret), None)
    return word[0] if word else len(value)
