"""Lay out one paragraph for a terminal: shape, wrap in logical order, reorder each line.

Input is logical text; output is display lines whose cells are in visual (left-to-right
screen) order, each cell carrying the logical range ``[start, end)`` it draws.  That map is
the only bridge between the screen and the stored text: spans are always logical offsets.

The steps follow the design note (shared/design/rtl-display.md):
1. group characters into shaped clusters (``glyphs.build_clusters``);
2. resolve bidi levels once for the whole paragraph (``bidi.resolve_levels``);
3. wrap in logical order, so the first words of an RTL paragraph stay on its first line;
4. reorder each line on its own (rules L1-L2), mirror brackets at odd levels (L4);
   marks stay after their base inside the cluster (L3).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from typing import Literal

from . import bidi
from .glyphs import BREAK_CODES, KIND_OF_CODE, Kind, build_clusters, neutralised
from .unicode_tables import MIRRORING

Direction = Literal["auto", "rtl", "ltr"]
BidiMode = Literal["app", "terminal"]


@dataclass(frozen=True, slots=True)
class LayoutOptions:
    direction: Direction = "auto"
    # "app": we shape and reorder (for terminals that do neither, nearly all of them);
    # "terminal": logical order, unshaped, for terminals that run bidi by themselves.
    bidi: BidiMode = "app"
    show_harakat: bool = True
    tab_width: int = 4


@dataclass(frozen=True, slots=True)
class Cell:
    """What one glyph cluster draws, where it came from, and how wide it is."""

    text: str
    width: int
    start: int  # logical offsets into the document, [start, end)
    end: int
    kind: Kind
    level: int  # bidi embedding level (odd = right-to-left)


class DisplayLine:
    """One screen row of a paragraph, in visual order.

    The cells are kept as parallel lists (texts, widths, starts, ends, codes, levels), in
    visual order; ``cells`` builds objects from them for callers that want one.
    """

    __slots__ = ("start", "end", "rtl", "texts", "widths", "starts", "ends", "codes", "levels",
                 "width", "_columns", "_by_start")

    def __init__(self, start: int, end: int, rtl: bool, texts: list[str], widths: list[int],
                 starts: list[int], ends: list[int], codes: str, levels: list[int]) -> None:
        self.start, self.end, self.rtl = start, end, rtl  # the logical range the line covers
        self.texts, self.widths, self.starts, self.ends = texts, widths, starts, ends
        self.codes, self.levels = codes, levels
        self.width = sum(widths)
        self._columns: list[int] | None = None
        self._by_start: list[tuple[int, int]] | None = None

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(
            Cell(text, width, start, end, KIND_OF_CODE.get(code, Kind.TEXT), level)
            for text, width, start, end, code, level in zip(
                self.texts, self.widths, self.starts, self.ends, self.codes, self.levels)
        )

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def indent(self, view_width: int) -> int:
        """Blank columns before the first cell: RTL lines are right-aligned."""
        return max(0, view_width - self.width) if self.rtl else 0

    def columns(self) -> list[int]:
        """Column (from the line's own left edge) where each cell begins."""
        if self._columns is None:
            self._columns = [0, *accumulate(self.widths)][:-1]
        return self._columns

    def _logical(self) -> list[tuple[int, int]]:
        if self._by_start is None:
            self._by_start = sorted(zip(self.starts, range(len(self.starts))))
        return self._by_start

    def cell_at(self, column: int) -> int | None:
        """Index of the cell drawn at ``column`` (line-relative, after the indent)."""
        if column < 0 or column >= self.width:
            return None
        return bisect_right(self.columns(), column) - 1

    def cell_of(self, offset: int) -> int | None:
        """Index of the cell that covers logical ``offset``, if this line holds it."""
        if not self.start <= offset < self.end:
            return None
        by_start = self._logical()
        return by_start[bisect_right(by_start, (offset, len(by_start))) - 1][1]

    def column_of(self, offset: int) -> int | None:
        index = self.cell_of(offset)
        return None if index is None else self.columns()[index]

    def cells_intersecting(self, start: int, end: int) -> list[int]:
        """Indices of the cells whose logical range intersects ``[start, end)``: exactly the
        cells a highlight of that range must style (a ligature is styled whole)."""
        start, end = max(start, self.start), min(end, self.end)
        if start >= end:
            return []
        by_start = self._logical()
        first = bisect_right(by_start, (start, len(by_start))) - 1
        last = bisect_right(by_start, (end - 1, len(by_start)))
        return [index for _, index in by_start[first:last]]

    def logical_starts(self) -> list[int]:
        """Start offsets of the line's cells in logical (reading) order."""
        return [start for start, _ in self._logical()]


def strong_direction(text: str) -> Direction | None:
    """The direction of ``text``'s first strong character (controls made inert), or None if
    it has none: the paragraph's neighbours decide (see DocumentLayout)."""
    # Controls are made inert, so no isolate can hide a strong letter: a prefix usually tells.
    level = bidi.strong_level(neutralised(text[:256]))
    if level is None and len(text) > 256:
        level = bidi.strong_level(neutralised(text))
    return None if level is None else ("rtl" if level else "ltr")


def paragraph_level(bidi_text: str, direction: Direction) -> int:
    if direction == "rtl":
        return 1
    if direction == "ltr":
        return 0
    return bidi.paragraph_level(bidi_text)


def layout_paragraph(
    text: str, offset: int, width: int, options: LayoutOptions = LayoutOptions()
) -> list[DisplayLine]:
    """Lay out the paragraph ``text`` (with its line feed, if any) that starts at ``offset``
    in the document, for a view ``width`` columns wide.  Always returns at least one line."""
    width = max(1, width)
    reorder = options.bidi == "app"
    clusters = build_clusters(
        text, shaped=reorder, show_harakat=options.show_harakat, tab_width=options.tab_width
    )
    level = paragraph_level(clusters.bidi_text, options.direction)
    rtl = level == 1  # right-aligned, and Left reads forward, whoever reorders the line
    if not clusters.starts:  # only the last paragraph can be empty: it has no line feed
        return [DisplayLine(offset, offset, rtl, [], [], [], [], "", [])]
    levels = bidi.resolve_levels(clusters.bidi_text, level) if reorder else None
    starts = [offset + s for s in clusters.starts]
    ends = starts[1:] + [offset + len(text)]
    lines = []
    for first, last in wrap(clusters.widths, clusters.codes, width):
        start, end = clusters.starts[first], ends[last - 1] - offset
        if levels is None:  # the terminal reorders and mirrors: send logical order
            order, cluster_levels = range(first, last), [0] * (last - first)
        else:
            line_levels = bidi.line_levels(clusters.bidi_text, levels, start, end, level)
            cluster_levels = [line_levels[s - start] for s in clusters.starts[first:last]]
            order = [first + k for k in bidi.visual_order(cluster_levels)]
            cluster_levels = [cluster_levels[k - first] for k in order]
        texts = [clusters.texts[k] for k in order]
        if any(cluster_level & 1 for cluster_level in cluster_levels):
            _mirror(texts, cluster_levels)
        lines.append(DisplayLine(
            offset + start, offset + end, rtl, texts,
            [clusters.widths[k] for k in order], [starts[k] for k in order],
            [ends[k] for k in order], "".join([clusters.codes[k] for k in order]),
            cluster_levels,
        ))
    return lines


# A terminal that reorders by itself (mlterm, Konsole: --bidi terminal) runs the bidi
# algorithm over each screen row as a whole: an Arabic row would come out right-to-left
# with the scroll bar and the span list's border moved to its other end.  So each row of
# text starts with LRM (the row is left-to-right: what follows the text stays in place), and
# a right-to-left paragraph's text sits in an RLE ... PDF embedding, ordered as a
# right-to-left paragraph is.  As few controls as that, and embeddings, not isolates: tried
# under Xvfb, mlterm 3.9 draws each isolate control (RLI, LRI, PDI) as a blank cell, and
# every bidi control, though drawn zero-width, takes up one of the row's columns, so the row
# loses as many cells at its right end (the span list's edge) as it holds controls.
# Stored bidi controls are drawn as inert stand-ins (glyphs.py), so none can end it early.
LRM, RLE, PDF = "\u200e", "\u202b", "\u202c"
# Columns a terminal-mode row leaves free for those controls (mlterm's columns taken).
TERMINAL_ROW_RESERVE = 3


def terminal_row_isolation(line: DisplayLine) -> tuple[str, str, str]:
    """For a row sent in terminal mode: what it starts with (before its indent), and what
    opens and closes the embedding around its text (nothing in a left-to-right row)."""
    return (LRM, RLE, PDF) if line.rtl else (LRM, "", "")


def _mirror(texts: list[str], levels: list[int]) -> None:
    """Rule L4: a mirrored character at an odd (right-to-left) level shows its mirror glyph."""
    for k, text in enumerate(texts):
        if levels[k] & 1 and text[0] in MIRRORING:
            texts[k] = MIRRORING[text[0]] + text[1:]


def wrap(widths: list[int], codes: str, width: int) -> list[tuple[int, int]]:
    """Break clusters into lines of at most ``width`` columns, in logical order.

    Lines break after spaces; a word wider than the whole line is broken between clusters.
    ``codes`` holds each cluster's class code (spaces, tabs and the line feed are breaks).
    Returns ``(first, last)`` cluster index ranges.
    """
    lines: list[tuple[int, int]] = []
    line_start = line_width = 0
    for chunk in _CHUNK_RE.finditer(codes):  # a chunk is a word and the spaces after it
        k, j = chunk.span()
        chunk_width = sum(widths[k:j])
        if line_width + chunk_width <= width:
            line_width += chunk_width
            continue
        if line_width > 0:
            lines.append((line_start, k))
            line_start, line_width = k, 0
            if chunk_width <= width:
                line_width = chunk_width
                continue
        for i in range(k, j):  # wider than a line: break it between clusters
            if line_width + widths[i] > width and line_width > 0:
                lines.append((line_start, i))
                line_start, line_width = i, 0
            line_width += widths[i]
    if line_start < len(widths) or not lines:
        lines.append((line_start, len(widths)))
    return lines


_CHUNK_RE = re.compile(f"[^{BREAK_CODES}]*[{BREAK_CODES}]*")


def visual_text(text: str, options: LayoutOptions = LayoutOptions()) -> str:
    """``text`` as one line would show it (no wrapping): for labels, status bars, tests."""
    lines = layout_paragraph(text.replace("\n", " "), 0, 1 << 30, options)
    return lines[0].text
