"""A one-line value laid out for a box, with the caret's cells mapped both ways.

The value goes through the same layout as a document paragraph (``layout_paragraph``):
shaped, in visual order, controls drawn as their stand-ins.  The row adds one blank cell
for the caret at the value's end: at the reading end of the line, which is the left in a
right-to-left line we reorder (in terminal mode the cells are sent in logical order and the
terminal puts the last one, this blank, at the left itself).

Columns here are the row's own, from 0 (the leftmost cell) to ``width``; the box shows
``box`` of them from ``first`` (``scroll``), right-aligned when a right-to-left row fits.
"""

from __future__ import annotations

from .layout import DisplayLine, LayoutOptions, layout_paragraph


class InputRow:
    __slots__ = ("line", "length", "end_left", "width")

    def __init__(self, value: str, options: LayoutOptions = LayoutOptions()) -> None:
        # One paragraph: an edit keeps no line feed, and one set from outside is drawn as the
        # line separator's stand-in (one for one, so offsets stay those of the value).
        [self.line] = layout_paragraph(value.replace("\n", "\u2028"), 0, 1 << 30, options)
        self.length = len(value)
        self.end_left = self.line.rtl and options.bidi == "app"
        self.width = self.line.width + 1  # the caret's cell at the end

    @property
    def rtl(self) -> bool:
        return self.line.rtl

    def stops(self) -> list[int]:
        """Where the caret can stand: each cluster's start, and the end."""
        return [*self.line.logical_starts(), self.length]

    def end_column(self) -> int:
        return 0 if self.end_left else self.line.width

    def _shift(self) -> int:
        return 1 if self.end_left else 0

    def cell_span(self, offset: int) -> tuple[int, int]:
        """Columns ``[left, right)`` of the cell the caret at ``offset`` is drawn on: the
        cluster holding ``offset``, or the end cell."""
        index = self.line.cell_of(offset)
        if index is None:
            return self.end_column(), self.end_column() + 1
        left = self.line.columns()[index] + self._shift()
        return left, left + self.line.widths[index]

    def offset_at(self, column: int) -> int | None:
        """The caret offset for a click at row ``column`` (None: no cell there)."""
        if column == self.end_column():
            return self.length
        index = self.line.cell_at(column - self._shift())
        return None if index is None else self.line.starts[index]

    def indent(self, box: int) -> int:
        """Blank columns before the row in a box this wide: a right-to-left row that fits
        is right-aligned."""
        return max(0, box - self.width) if self.rtl else 0

    def scroll(self, box: int, first: int, caret: int) -> int:
        """The first column to show in a box ``box`` wide, moved from ``first`` as little as
        keeps the caret's cell in view."""
        if self.width <= box:
            return 0
        left, right = self.cell_span(caret)
        first = min(max(first, right - box), left)
        return max(0, min(first, self.width - box))

    def start_scroll(self, box: int) -> int:
        """Where a new value is first shown from: its beginning in reading order."""
        return max(0, self.width - box) if self.end_left else 0

    def cells(self) -> list[tuple[str, int, int, int, str]]:
        """Every cell left to right: (text, width, logical start, logical end, class code);
        the end cell is ``(" ", 1, length, length, "E")``."""
        line: DisplayLine = self.line
        cells = list(zip(line.texts, line.widths, line.starts, line.ends, line.codes))
        end = (" ", 1, self.length, self.length, "E")
        return [end, *cells] if self.end_left else [*cells, end]
