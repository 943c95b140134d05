"""Caret movement as pure functions of (layout, caret offset): testable without an app.

The caret is a logical offset, always at the start of a glyph cluster (a lam-alef or a letter
with its harakat is one stop).  Moves go in reading order: "forward" is the next character a
reader reads, whatever the direction of the line; the view maps arrow keys onto forward and
backward by the direction of the caret's paragraph.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from .document import DocumentLayout
from .words import word_at, words_after, words_before  # word_at: the app asks us for it



def snap(layout: DocumentLayout, offset: int) -> int:
    """The stop at or before ``offset`` (inside a ligature -> its start)."""
    offset = min(max(0, offset), max(0, len(layout.document) - 1))
    starts = layout.stops(layout.document.paragraph_of(offset))
    return starts[max(0, bisect_right(starts, offset) - 1)]


def next_stop(layout: DocumentLayout, caret: int) -> int:
    paragraph = layout.document.paragraph_of(caret)
    starts = layout.stops(paragraph)
    k = bisect_right(starts, caret)
    if k < len(starts):
        return starts[k]
    if paragraph + 1 < layout.document.paragraph_count:
        return layout.stops(paragraph + 1)[0]
    return caret


def previous_stop(layout: DocumentLayout, caret: int) -> int:
    paragraph = layout.document.paragraph_of(caret)
    starts = layout.stops(paragraph)
    k = bisect_left(starts, caret)
    if k > 0:
        return starts[k - 1]
    if paragraph > 0:
        return layout.stops(paragraph - 1)[-1]
    return caret


def next_word(layout: DocumentLayout, caret: int) -> int:
    """Start of the next word after the caret in reading order (or the document's end)."""
    text = layout.document.text
    word = word_at(text, caret)
    following = next(words_after(text, word[1] if word else caret), None)
    return snap(layout, following[0]) if following else document_end(layout)


def previous_word(layout: DocumentLayout, caret: int) -> int:
    """Start of the caret's word if inside one, else of the word before it."""
    preceding = next(words_before(layout.document.text, caret), None)
    return snap(layout, preceding[0] if preceding else 0)


def document_end(layout: DocumentLayout) -> int:
    """The last stop of the document (its final line feed, if it has one)."""
    return layout.stops(layout.document.paragraph_count - 1)[-1]


def line_start(layout: DocumentLayout, caret: int) -> int:
    _, line = layout.locate(caret)
    return min(line.logical_starts())


def line_end(layout: DocumentLayout, caret: int) -> int:
    _, line = layout.locate(caret)
    return max(line.logical_starts())


def caret_column(layout: DocumentLayout, caret: int) -> int:
    """Screen column (from the view's left edge) of the caret's cell."""
    _, line = layout.locate(caret)
    return line.indent(layout.width) + (line.column_of(caret) or 0)


def vertical(layout: DocumentLayout, caret: int, lines: int, goal_column: int) -> int:
    """Move ``lines`` screen lines down (negative: up), staying near ``goal_column``."""
    y, _ = layout.locate(caret)
    target_y = min(max(0, y + lines), layout.line_count - 1)
    target = layout.line(target_y)
    if target is None or not target.starts:
        return caret
    index = target.cell_at(goal_column - target.indent(layout.width))
    if index is None:  # beyond the line's edge: take the nearest cell
        index = 0 if goal_column < target.indent(layout.width) else len(target.starts) - 1
    return target.starts[index]


def cell_end(layout: DocumentLayout, offset: int) -> int:
    """End of the cluster that covers ``offset``: a selection includes the caret's cell."""
    _, line = layout.locate(offset)
    index = line.cell_of(offset)
    return line.ends[index] if index is not None else offset + 1


def word_end(layout: DocumentLayout, caret: int) -> int:
    """Last stop of the word the caret is in (if not already its last) or of the next word:
    where extending a selection forward by a word stops, so it snaps to the word's end."""
    text = layout.document.text
    word = word_at(text, caret)
    if word is None or cell_end(layout, caret) >= word[1]:
        word = next(words_after(text, cell_end(layout, caret)), None)
        if word is None:
            return document_end(layout)
    return snap(layout, word[1] - 1)
