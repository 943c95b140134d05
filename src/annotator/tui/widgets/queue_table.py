"""A table that draws only the rows on screen, for the queue overview.

Textual's DataTable measures every cell when it is filled and laid out: 10,000 rows took
3.4 s to show (bench/queue_bench.py).  This Line API ScrollView keeps the rows as plain
tuples, sizes the columns from code-point lengths, and formats (shapes, pads) a row only
when it is drawn, so opening, sorting and filtering cost a Python sort of the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

GAP = "  "
MAX_COLUMN = 40  # a long file name is cut with an ellipsis rather than pushing columns away


class QueueTable(ScrollView, can_focus=True):
    """Rows of cells under a header row; a row cursor; Enter chooses the row."""

    BINDINGS = [
        Binding("up", "move(-1)", "Row up", show=False),
        Binding("down", "move(1)", "Row down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First row", show=False),
        Binding("end", "edge(1)", "Last row", show=False),
        Binding("enter", "choose", "Open the row's document", show=False),
    ]
    COMPONENT_CLASSES = {"queue-table--header", "queue-table--cursor", "queue-table--odd"}

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class Chosen(Message):
        """Enter (or a click on the selected row) chose row ``index`` of the rows shown."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, columns: Sequence[str], format_cell: Callable[[int, object], str],
                 *, id: str | None = None) -> None:
        """``format_cell(column, value)`` is the text shown for a value (called when drawn)."""
        super().__init__(id=id)
        self.columns = list(columns)
        self._format = format_cell
        self.rows: list[tuple] = []
        self.widths = [cell_len(c) for c in self.columns]
        self._lines: LRUCache[int, str] = LRUCache(256)

    def set_rows(self, rows: list[tuple], widths: Sequence[int], cursor: int = 0) -> None:
        """Show ``rows``; ``widths`` are the columns' widths in cells (at least the header's)."""
        self.rows = rows
        self.widths = [min(MAX_COLUMN, max(w, cell_len(c))) for w, c in zip(widths, self.columns)]
        self._lines.clear()
        self.virtual_size = Size(cell_len(GAP.join(" " * w for w in self.widths)), len(rows) + 1)
        self.cursor = max(0, min(cursor, len(rows) - 1))
        self.refresh()

    # -- drawing ----------------------------------------------------------------------------

    def _line(self, index: int) -> str:
        """Row ``index`` as one line of text, each cell padded or cut to its column."""
        line = self._lines.get(index)
        if line is None:
            values = self.columns if index < 0 else self.rows[index]
            cells = [self._format(k, v) if index >= 0 else str(v) for k, v in enumerate(values)]
            line = GAP.join(_fit(cell, width) for cell, width in zip(cells, self.widths))
            self._lines[index] = line
        return line

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:  # the header stays on top
            style = self.get_component_rich_style("queue-table--header")
            return Strip([Segment(self._line(-1), style)]).extend_cell_length(
                scroll_x + width, style).crop(scroll_x, scroll_x + width)
        index = scroll_y + y - 1
        base = self.rich_style
        if index >= len(self.rows):
            return Strip.blank(width, base)
        style = base
        if index == self.cursor:
            style = base + self.get_component_rich_style("queue-table--cursor")
        elif index % 2:
            style = base + self.get_component_rich_style("queue-table--odd")
        return Strip([Segment(self._line(index), style)]).extend_cell_length(
            scroll_x + width, style).crop(scroll_x, scroll_x + width)

    # -- the cursor -------------------------------------------------------------------------

    def watch_cursor(self, cursor: int) -> None:
        rows = max(1, self.scrollable_content_region.height - 1)  # under the header
        top = self.scroll_offset.y
        if cursor < top:
            self.scroll_to(y=cursor, animate=False, immediate=True)
        elif cursor >= top + rows:
            self.scroll_to(y=cursor - rows + 1, animate=False, immediate=True)
        self.refresh()

    def _go(self, row: int) -> None:
        if self.rows:
            self.cursor = max(0, min(row, len(self.rows) - 1))

    def action_move(self, step: int) -> None:
        self._go(self.cursor + step)

    def action_page(self, pages: int) -> None:
        self._go(self.cursor + pages * max(1, self.scrollable_content_region.height - 1))

    def action_edge(self, end: int) -> None:
        self._go(len(self.rows) - 1 if end else 0)

    def action_choose(self) -> None:
        if self.rows:
            self.post_message(self.Chosen(self.cursor))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y - 1
        if event.y >= 1 and 0 <= index < len(self.rows):
            if index == self.cursor or event.chain > 1:
                self.post_message(self.Chosen(index))
            self.cursor = index


def _fit(text: str, width: int) -> str:
    """``text`` padded to ``width`` cells, or cut to width - 1 cells and an ellipsis."""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    out, used = [], 0
    for ch in text:
        used += cell_len(ch)
        if used > width - 1:
            break
        out.append(ch)
    return "".join(out) + "…" + " " * (width - 1 - cell_len("".join(out)))
